"""The `juju status` shaped printer, from a hand-made state."""

from localjuju import status as status_view


def state():
    return {
        'name': 'test',
        'applications': {
            'example': {'charm-name': 'example', 'version': '15.0.0',
                        'units': ['example/0', 'example/1'],
                        'leader': 'example/1', 'status': None},
            'rabbitmq-server': {'provider': 'rabbitmq-server', 'version': '',
                                'units': ['rabbitmq-server/0'],
                                'leader': 'rabbitmq-server/0',
                                'status': None},
        },
        'units': {
            'example/0': {'address': '127.0.0.1', 'machine': 0,
                          'ports': ['8989/tcp'], 'agent': 'idle',
                          'error': None, 'workload': {
                              'status': 'active',
                              'message': 'Unit is ready'}},
            'example/1': {'address': '127.0.0.2', 'machine': 1,
                          'ports': [], 'agent': 'idle',
                          'error': {'hook': 'config-changed'},
                          'workload': {'status': 'maintenance',
                                       'message': 'installing'}},
            'rabbitmq-server/0': {'address': '127.0.0.1', 'machine': None,
                                  'ports': [], 'agent': 'idle',
                                  'error': None, 'workload': {
                                      'status': 'active', 'message': ''}},
        },
        'relations': {'3': {'endpoints': [
            {'application': 'example', 'endpoint': 'amqp',
             'role': 'requires', 'interface': 'rabbitmq'},
            {'application': 'rabbitmq-server', 'endpoint': 'amqp',
             'role': 'provides', 'interface': 'rabbitmq'}]}},
    }


def rows(text, header):
    """The rows of the section whose header starts with ``header``."""
    for section in text.split('\n\n'):
        lines = section.splitlines()
        if lines[0].startswith(header):
            return [line.split() for line in lines]
    raise AssertionError('no section ' + header)


def test_status_sections():
    shown = status_view.render(state(), now=0)
    apps = rows(shown, 'App')
    assert apps[0] == ['App', 'Version', 'Status', 'Scale', 'Charm',
                       'Channel', 'Message']
    # one unit in error makes the application show the error
    assert apps[1][:5] == ['example', '15.0.0', 'error', '2', 'example']
    assert ' '.join(apps[1][6:]) == 'hook failed: "config-changed"'
    units = rows(shown, 'Unit')
    assert units[1] == ['example/0', 'active', 'idle', '0', '127.0.0.1',
                        '8989/tcp', 'Unit', 'is', 'ready']
    assert units[2][:4] == ['example/1*', 'error', 'idle', '1']
    assert rows(shown, 'Integration')[1] == [
        'rabbitmq-server:amqp', 'example:amqp', 'rabbitmq', 'regular']


def test_machines_show_what_their_systemd_says():
    shown = status_view.render(state(), now=0, machines={
        'example/0': 'running', 'example/1': 'off'})
    machines = rows(shown, 'Machine')
    assert machines[0] == ['Machine', 'State', 'Address', 'Inst', 'id',
                           'Base', 'Message']
    assert machines[1] == ['0', 'started', '127.0.0.1', 'juju-example-0',
                           status_view.base(), 'running']
    assert machines[2][:2] == ['1', 'down'] and machines[2][-1] == 'off'
    assert '\nMachine ' not in status_view.render(state(), now=0)


def test_action_output_shows_results_and_failure():
    record = {'id': '4', 'unit': 'example/0', 'log': [],
              'results': {'outcome': {'step': 'two'}}, 'stdout': '',
              'status': 'failed', 'message': 'exit status 1',
              'return-code': 1}
    shown = status_view.action_output(record)
    assert 'task 4 on unit-example-0' in shown
    assert 'outcome:\n  step: two' in shown
    assert 'ERROR the following task failed' in shown
