"""Scheduled jobs from the workflows option: parsed and checked first,
reconciled into Mistral by the leader, touching only what it made.
Mistral is an in-memory stand-in here; func-local runs the real one."""

import pytest

from charm.openstack import jobs

ECHO = """version: '2.0'
{0}:
  tasks:
    say:
      action: std.echo output=hi
"""


def config(workflows=('report',), triggers=None):
    text = {'workflows': {n: ECHO.format(n) for n in workflows}}
    if triggers:
        text['cron-triggers'] = triggers
    import yaml
    return yaml.safe_dump(text)


class FakeMistral:
    """What the charm asks of Mistral's API, in memory."""

    def __init__(self):
        self.wfs = {}           # (namespace, name) -> definition
        self.cts = {}           # name -> spec
        self.calls = []
        self.invalid = {}       # definition substring -> Mistral's error

    def validate(self, definition):
        return next((e for s, e in self.invalid.items()
                     if s in definition), None)

    def workflows(self, namespace):
        return {n: {'id': 'id-' + n, 'name': n, 'namespace': ns}
                for (ns, n) in self.wfs if ns == namespace}

    def put_workflow(self, definition, namespace, new):
        import yaml
        name = next(k for k in yaml.safe_load(definition) if k != 'version')
        self.calls.append(('POST' if new else 'PUT', name))
        self.wfs[(namespace, name)] = definition

    def delete_workflow(self, name, namespace):
        self.calls.append(('DELETE', name))
        del self.wfs[(namespace, name)]

    def cron_triggers(self):
        return dict(self.cts)

    def create_cron_trigger(self, spec):
        self.calls.append(('POST trigger', spec['name']))
        self.cts[spec['name']] = spec

    def delete_cron_trigger(self, name):
        self.calls.append(('DELETE trigger', name))
        del self.cts[name]


@pytest.fixture
def mistral(unit):
    return FakeMistral()


@pytest.mark.parametrize('text, message', [
    ('a: [', 'YAML: does not parse'),
    ('- a list', "YAML: holds only 'workflows' and 'cron-triggers'"),
    ('other: 1', "YAML: holds only 'workflows' and 'cron-triggers'"),
    ('workflows: {r: 3}', 'workflows.r: must be the text of a workflow '
     'definition'),
    ('workflows: {r: "x: 1"}', 'workflows.r: the definition must define r'),
    ('cron-triggers: {t: {pattern: "* * * * *"}}',
     'cron-triggers.t: workflow is required'),
    ('cron-triggers: {t: {workflow: r, pattern: "* * *"}}',
     'cron-triggers.t: pattern must have five cron fields'),
    ('cron-triggers: {t: {workflow: r, pattern: "* * * * *", when: 1}}',
     'cron-triggers.t: unknown key when'),
    ('cron-triggers: {t: {workflow: r, pattern: "* * * * *", input: 1}}',
     'cron-triggers.t: input must be a dict'),
])
def test_structure_is_checked_before_mistral_is_asked(unit, text,
                                                      message):
    [(option, reason)] = unit.charm(workflows=text).config_problems()
    assert option == 'workflows' and reason.startswith(message)


def test_created_then_left_alone_then_updated_then_deleted(unit, mistral):
    trigger = {'workflow': 'report', 'pattern': '* * * * *',
               'input': {'who': 'ops'}}
    text = config(('report', 'cleanup'), {'every-minute': trigger})
    jobs.reconcile(text, mistral)
    assert sorted(mistral.wfs) == [('juju', 'cleanup'), ('juju', 'report')]
    assert mistral.cts['every-minute']['workflow_id'] == 'id-report'
    assert mistral.cts['every-minute']['workflow_input'] == {'who': 'ops'}
    assert jobs.summary() == '2 workflows, 1 cron trigger from config'
    mistral.calls.clear()
    jobs.reconcile(text, mistral)           # nothing changed
    assert mistral.calls == []
    changed = dict(trigger, pattern='*/5 * * * *')
    jobs.reconcile(config(('report', 'cleanup'), {'every-minute': changed}),
                   mistral)
    assert mistral.calls == [('DELETE trigger', 'every-minute'),
                             ('POST trigger', 'every-minute')]
    assert mistral.cts['every-minute']['pattern'] == '*/5 * * * *'
    mistral.calls.clear()
    jobs.reconcile(config(('report',)), mistral)
    assert sorted(mistral.calls) == [('DELETE', 'cleanup'),
                                     ('DELETE trigger', 'every-minute')]
    assert jobs.summary() == '1 workflow, 0 cron triggers from config'


def test_what_users_made_is_never_touched(unit, mistral):
    mistral.wfs[('', 'report')] = ECHO.format('report')       # a user's
    mistral.cts['theirs'] = {'name': 'theirs'}
    jobs.reconcile(config(('report',), {'mine': {
        'workflow': 'report', 'pattern': '0 3 * * *'}}), mistral)
    jobs.reconcile(config(()), mistral)
    assert ('', 'report') in mistral.wfs and 'theirs' in mistral.cts
    assert 'mine' not in mistral.cts and ('juju', 'report') not in \
        mistral.wfs


@pytest.mark.parametrize('prepare, text, message', [
    (lambda m: m.invalid.update({'std.echo': "Invalid DSL: bad task"}),
     config(('report',)), "workflows.report: Invalid DSL: bad task"),
    (lambda m: None, config(('report',), {'t': {
        'workflow': 'nowhere', 'pattern': '* * * * *'}}),
     'cron-triggers.t: names unknown workflow nowhere'),
    (lambda m: m.cts.update({'t': {'name': 't'}}), config(('report',), {
        't': {'workflow': 'report', 'pattern': '* * * * *'}}),
     'cron-triggers.t: a cron trigger of that name exists and was not made '
     'by the charm'),
])
def test_anything_invalid_leaves_mistral_as_it_was(unit, mistral, prepare,
                                                   text, message):
    jobs.reconcile(config(('before',)), mistral)
    prepare(mistral)
    before = (dict(mistral.wfs), dict(mistral.cts))
    with pytest.raises(jobs.Invalid) as error:
        jobs.reconcile(text, mistral)
    assert str(error.value) == message
    assert (mistral.wfs, mistral.cts) == before


def test_status_names_the_item_and_the_reason(unit, monkeypatch, mistral):
    from charm.openstack import mistral as charm_module
    unit.relate_all()
    monkeypatch.setattr(charm_module.Mistral, 'from_conf',
                        classmethod(lambda cls, path: mistral))
    mistral.invalid['std.echo'] = 'Invalid DSL: bad task'
    charm = unit.charm(workflows=config(('report',)))
    charm.converge()
    assert charm.workload_status() == (
        'blocked', 'Invalid config: workflows: workflows.report: Invalid '
        'DSL: bad task')
    assert 'mistral-api' in unit.init.running      # Mistral keeps serving
    mistral.invalid.clear()
    charm = unit.charm(workflows=config(('report', 'other')))
    charm.converge()
    assert charm.workload_status() == (
        'active', 'Unit is ready (2 workflows, 0 cron triggers from '
        'config)')
