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
journal. That traceback, from the running process, is what is looked
for. The daemon's log records go there too (templates/logging.conf),
but a logged traceback begins at the frame that caught the exception,
and _process_event_queue catches none.
"""

import os
import re
import subprocess

from charmhelpers.core import unitdata

from openstack_base import init_system

NAME = 'mistral-event-engine'
KEY = 'mistral.event-engine-output'
FRAME = ' in _process_event_queue'
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
    """The running event engine's PID, or None (MainPID 0: not
    running)."""
    shown = subprocess.run(
        ['systemctl', 'show', '--property=MainPID', '--value',
         init_system.systemd_name(NAME)], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, universal_newlines=True)
    text = shown.stdout.strip()
    if not text.isdigit() or int(text) == 0 or \
            not os.path.exists('/proc/' + text):
        return None
    return int(text)


def journal_of(pid):
    """What the process wrote on stdout and stderr, from the journal."""
    shown = subprocess.run(
        ['journalctl', '--no-pager', '--quiet', '--boot', '--output=cat',
         '_PID={}'.format(pid),
         '_SYSTEMD_UNIT={}'.format(init_system.systemd_name(NAME))],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        universal_newlines=True, errors='replace')
    return shown.stdout


def stopped():
    """The exception that ended the running event engine's processing
    thread, or None. Remembered per PID, so a journal vacuumed or
    rotated away does not hide it."""
    pid = current_pid()
    if pid is None:
        return None
    store = unitdata.kv()
    seen = store.get(KEY) or {}
    if seen.get('pid') != pid:
        seen = {'pid': pid, 'error': None}
    if not seen['error']:
        seen['error'] = thread_death(journal_of(pid))
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
