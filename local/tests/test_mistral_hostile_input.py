"""Option values built to break the unit, against the real services: each
is refused with the option named in a status of one bounded line, the
hook exits 0, no file changes, no process restarts, and the API keeps
answering a token-authenticated request; a value that is fine as text
(a `$` where oslo.config reads `$name`) reaches Mistral unchanged."""

import time

import pytest

from local.tests.mistral_site import record, wait_until
from localjuju.errors import OperationError

pytestmark = pytest.mark.needs_root

LAUGHS = (
    'cron-triggers:\n  t:\n    workflow: w\n    pattern: "* * * * *"\n'
    '    input:\n      a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol]\n'
) + ''.join('      a{0}: &a{0} [{1}]\n'.format(
    n, ', '.join(['*a{}'.format(n - 1)] * 10)) for n in range(1, 6))

# (option, value, what the status says of it), one or more per class.
HOSTILE = [
    # structure and size
    ('workflows', '[' * 5000 + ']' * 5000, 'nested deeper'),
    ('workflows', LAUGHS, 'aliases'),
    ('region', 'r' * 200 * 1024, 'longer than'),
    # a line break where one line goes
    ('execution-expiration-ignored-states', 'SUCCESS\n[DEFAULT]\ndebug = '
     'true', 'control character'),
    ('openstack-origin', 'distro\ndeb [trusted=yes] http://deb.example/ '
     'bookworm main', 'control character'),
    # numbers past what the consumer takes
    ('haproxy-server-timeout', 2 ** 31, "haproxy's limit"),
    ('database-idle-timeout', 2147484, "PostgreSQL's limit"),
]
FILES = ('/etc/mistral/mistral.conf', '/etc/haproxy/haproxy.cfg',
         '/etc/apt/sources.list.d')


@pytest.fixture(scope='module')
def deployment(serving):
    return serving


def unit_files(deployment):
    return {path: deployment.inside('ls', '-la', path).stdout
            if path.endswith('.d') else deployment.inside('cat', path).stdout
            for path in FILES}


@pytest.mark.parametrize('option,value,why', HOSTILE, ids=[
    '{}-{}'.format(o, w.split()[0]) for o, _, w in HOSTILE])
def test_hostile_value_changes_nothing(deployment, option, value, why):
    deployment.wait_ready()
    pids, files = deployment.pids(), unit_files(deployment)
    started = time.time()
    deployment.config(**{option: value})
    try:
        assert deployment.hook_error() is None
        state, message = deployment.workload()
        assert state == 'blocked'
        assert message.startswith('Invalid config: {}: '.format(option))
        assert why in message and len(message) <= 512
        assert deployment.pids() == pids
        assert unit_files(deployment) == files
        answered = len(deployment.client().executions(limit=1)) <= 1
        record('hostile {}={} ({} chars): blocked "{}" in {:.1f} s; {} '
               'processes and {} files unchanged; API answered: {}'.format(
                   option, repr(str(value)[:20]), len(str(value)),
                   message[:60], time.time() - started, len(pids),
                   len(files), answered))
    finally:
        deployment.reset(option)
    deployment.wait_ready()
    # Back to the last good value: nothing to write, nothing restarted.
    assert deployment.pids() == pids
    assert unit_files(deployment) == files


def test_dollar_reaches_mistral_as_written(deployment):
    """oslo.config reads `$name` as another option: the charm writes `$$`,
    and tooz's file driver, which Mistral's coordination then runs,
    makes the directory named with the `$` itself."""
    deployment.wait_ready()
    directory = '/var/lib/mistral/coordination$DEFAULT'
    deployment.config(**{'coordination-backend-url': 'file://' + directory})
    try:
        deployment.wait_ready()
        written = deployment.mistral_conf().get('coordination',
                                                'backend_url')
        assert written == 'file://' + directory.replace('$', '$$')
        wait_until(lambda: deployment.inside(
            'test', '-d', directory, check=False).returncode == 0,
            'tooz to make ' + directory, timeout=90)
        record('coordination-backend-url with $: mistral.conf holds {}; '
               'Mistral made {}'.format(written, directory))
    finally:
        deployment.reset('coordination-backend-url')
        deployment.wait_ready()
        deployment.inside('rm', '-rf', directory, check=False)


def test_action_errors_name_the_parameter_or_mistrals_reason(deployment):
    """Juju refuses a parameter its schema refuses, naming it; what
    Mistral refuses fails the action with Mistral's reason, one line."""
    deployment.wait_ready()
    with pytest.raises(OperationError, match='limit'):
        deployment.action('list-executions', limit=-1)
    missing = deployment.action('show-execution',
                                id='00000000-0000-0000-0000-000000000000')
    assert missing['status'] == 'failed'
    assert '404' in missing['message'] or 'not found' in \
        missing['message'].lower(), missing['message']
    assert '\n' not in missing['message'] and 'Traceback' not in \
        missing['stdout']
    record('actions: limit=-1 refused by the schema; an unknown execution '
           'failed with "{}"'.format(missing['message']))
