"""A provider answering in-process, standing for a database charm."""

from local.providers.base import Provider


class FakeDB(Provider):
    """Answers a ``database`` request with a password, like a DB charm."""

    application = 'toydb'
    interface = 'toydb'
    units = 1

    def __init__(self, state_dir):
        super().__init__(state_dir)
        self.calls = []

    def ensure(self, progress=print):
        progress('fake database ready')

    def respond(self, relation):
        self.calls.append(('respond', relation.id, dict(relation.charm_units)))
        asked = [data for data in relation.charm_units.values()
                 if data.get('database')]
        for unit in relation.provider_units:
            answer = {'host': relation.unit_address}
            if asked:
                answer['password'] = 'pw-' + asked[0]['database']
            relation.set_unit(unit, answer)
        relation.set_app({'version': '1'})

    def relation_removed(self, relation):
        self.calls.append(('removed', relation.id))

    def destroy(self):
        self.calls.append(('destroy',))
