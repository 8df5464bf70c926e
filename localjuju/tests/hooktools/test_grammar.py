"""The hook tools' command line: flags and formats Juju refuses."""

from localjuju.tests.hooktools.calls import call


def test_bad_flag_and_format_exit_2(model, capsys):
    code, _, err = call(capsys, 'config-get', '--bogus')
    assert code == 2 and err.startswith('ERROR flag provided but not')
    assert call(capsys, 'config-get', '--format=xml')[0] == 2
