"""Whether mistral-event-engine still processes notifications.

Mistral 15.0.0's event engine puts every notification its listeners
take on a queue that one green thread empties
(default_event_engine.py, _process_event_queue), catching nothing: an
exception there ends the thread, while the process, its listeners and
its RPC server live on. The charm's event definitions convert any
notification, but the thread also asks Keystone for the trigger's
trust (security.create_context) outside any handler, so a refused or
unreachable Keystone still ends it. Nothing is logged: eventlet prints
the thread's traceback on the process's stderr, which goes to the
journal under systemd and to the daemon's .stdout.log under init.d.
That traceback, from the running process, is what is looked for.
"""

import os
import re
import subprocess

from charmhelpers.core import unitdata

from openstack_base import init_system

NAME = 'mistral-event-engine'
PIDFILE = '/run/{0}/{0}.pid'.format(NAME)       # templates/daemon.init
OUTPUT = '/var/log/mistral/{}.stdout.log'.format(NAME)
KEY = 'mistral.event-engine-output'
FRAME = ' in _process_event_queue'
# What is read of the output under init.d, at most: the end of it.
READ_LIMIT = 1 << 20
EXCEPTION_NAME = re.compile(r'[A-Za-z_][\w.]{0,200}')


def thread_death(text):
    """The exception that ended the processing thread, as the traceback
    in ``text`` names it (its class, never its message: that quotes the
    notification), or None."""
    frames = None           # inside a traceback: whether it has FRAME
    for line in text.splitlines():
        if line.startswith('Traceback (most recent call last):'):
            frames = False
        elif frames is not None and line[:1] in (' ', '\t'):
            frames = frames or line.rstrip().endswith(FRAME)
        elif frames is not None:
            if frames:
                name = EXCEPTION_NAME.match(line.split(':', 1)[0])
                return (name.group().rsplit('.', 1)[-1]
                        if name else 'an exception')
            frames = None
    return None


def current_pid():
    """The running event engine's PID, or None."""
    if init_system.uses_systemd():
        shown = subprocess.run(
            ['systemctl', 'show', '--property=MainPID', '--value',
             NAME + '.service'], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, universal_newlines=True)
        text = shown.stdout.strip()
    else:
        try:
            with open(PIDFILE) as f:
                text = f.read().strip()
        except OSError:
            return None
    if not text.isdigit() or int(text) == 0 or \
            not os.path.exists('/proc/' + text):
        return None
    return int(text)


def journal_of(pid):
    """What the process wrote on stderr, from the journal."""
    shown = subprocess.run(
        ['journalctl', '--no-pager', '--quiet', '--boot', '--output=cat',
         '_PID={}'.format(pid), '_SYSTEMD_UNIT={}.service'.format(NAME)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        universal_newlines=True, errors='replace')
    return shown.stdout


def output_size():
    try:
        return os.path.getsize(OUTPUT)
    except OSError:
        return 0


def output_from(offset):
    """The init.d output file from ``offset``, its last READ_LIMIT
    bytes at most."""
    try:
        with open(OUTPUT, 'rb') as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(offset, size - READ_LIMIT, 0))
            return f.read().decode(errors='replace')
    except OSError:
        return ''


def stopped():
    """The exception that ended the running event engine's processing
    thread, or None. Remembered per PID, so a log rotated away does
    not hide it. Under init.d the output file is appended to by every
    process it ran: what the current one wrote is what follows the
    size the file had when a hook first saw that PID (the charm starts
    the daemon in a hook and looks at the end of it)."""
    pid = current_pid()
    if pid is None:
        return None
    store = unitdata.kv()
    seen = store.get(KEY) or {}
    if seen.get('pid') != pid:
        seen = {'pid': pid, 'error': None,
                'offset': 0 if init_system.uses_systemd() else output_size()}
    if not init_system.uses_systemd() and output_size() < seen['offset']:
        seen['offset'] = 0          # truncated by logrotate
    if not seen['error']:
        text = journal_of(pid) if init_system.uses_systemd() \
            else output_from(seen['offset'])
        seen['error'] = thread_death(text)
    store.set(KEY, seen)
    return seen['error']


def status():
    """(state, message) while the event engine no longer processes
    notifications, else None."""
    error = stopped()
    if not error:
        return None
    return ('blocked', 'Event triggers no longer fire: {} stopped '
            'processing notifications ({}); run restart-services '
            'services={}'.format(NAME, error, NAME))
