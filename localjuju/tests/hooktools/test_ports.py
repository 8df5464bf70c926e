"""open-port, close-port, opened-ports."""

import json

from localjuju.tests.hooktools.calls import call


def test_ports(model, capsys):
    assert call(capsys, 'open-port', '8989/TCP')[0] == 0
    assert call(capsys, 'open-port', '8000-8002/udp')[0] == 0
    assert call(capsys, 'open-port', '5000')[0] == 0
    assert call(capsys, 'close-port', '5000/tcp')[0] == 0
    _, out, _ = call(capsys, 'opened-ports', '--format=json')
    assert json.loads(out) == ['8000-8002/udp', '8989/tcp']
    assert call(capsys, 'open-port', 'http')[0] == 2
    assert call(capsys, 'open-port', '70000/tcp')[0] == 2
