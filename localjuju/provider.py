"""The seam between the emulator and the remote applications: providers.

A provider stands for the remote application at the other end of one of
a charm's relations (a database, a message broker, an identity service).
A harness backs it with a real service, or a test with a fake, and it
answers on the relation with exactly the keys the real charm would send.
The emulator is given a registry, ``{application name: Provider
subclass}``, by whoever builds its Controller or CLI; it knows no
provider of its own.
"""


class RelationView:
    """What a provider sees of one relation, and how it answers.

    ``charm_units`` maps each unit of the charm (``app/0``) to the data
    it has set on this relation; ``charm_app`` is the charm's application
    data. The provider answers through ``set_unit`` and ``set_app``; the
    model then runs the charm's relation-changed hooks.
    """

    def __init__(self, relation_id, endpoint, charm_units, charm_app,
                 provider_units, unit_address='127.0.0.1'):
        self.id = relation_id
        self.endpoint = endpoint
        self.charm_units = charm_units
        self.charm_app = charm_app
        self.provider_units = provider_units
        self.unit_address = unit_address
        self.unit_updates = {}
        self.app_update = None

    def set_unit(self, unit, data):
        """Replace the relation data of one provider unit."""
        self.unit_updates[unit] = settings(data)

    def set_app(self, data):
        """Replace the provider's application data on this relation."""
        self.app_update = settings(data)


def settings(data):
    """Relation data as Juju holds it: a map of strings to strings. A
    remote charm's relation-set (or its ops library) can send nothing
    else, so a provider that would is refused here rather than let the
    charm read a number Juju would never give it."""
    wrong = sorted('{} ({})'.format(k, type(v).__name__)  # no value: secrets
                   for k, v in data.items()
                   if not isinstance(k, str) or not isinstance(v, str))
    if wrong:
        raise TypeError('relation data values must be strings: {}'.format(
            ', '.join(wrong)))
    return dict(data)


class Provider:
    """A remote application backed by a real service.

    Subclasses set ``application`` (its name in the model) and
    ``interface`` (must equal the charm endpoint's interface), and
    implement the methods below. All of them are idempotent.
    """

    application = None
    interface = None
    units = 1

    def __init__(self, state_dir):
        # A directory of the provider's own, kept until destroy(): it
        # holds generated secrets so that a rerun answers the same.
        self.state_dir = state_dir

    def unit_names(self):
        return ['{}/{}'.format(self.application, n)
                for n in range(self.units)]

    def ensure(self, progress=print):
        """Install and start the real service; report steps to progress."""
        raise NotImplementedError

    def respond(self, relation):
        """Read the charm's request in ``relation`` and answer on it."""
        raise NotImplementedError

    def relation_removed(self, relation):
        """The relation is gone: revoke access, never drop data."""

    def destroy(self):
        """Stop the service and remove what ensure() created."""
        raise NotImplementedError
