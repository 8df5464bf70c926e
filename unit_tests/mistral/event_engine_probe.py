"""Mistral's own event processing, fed notifications: run by the
Debian python3 that has python3-mistral (the py3 env has no Mistral).

Each line of stdin is a JSON batch: {"definitions": path, "triggers":
[{"event", "project_id", "scope"}], "notifications": [{"ctxt",
"publisher_id", "event_type", "payload", "metadata"}]}. A fresh
DefaultEventEngine, without its database, RPC and listeners, gets them
through mistral.messaging.handle_event as its listener would, and runs
its real processing thread (_process_event_queue); starting a workflow
is recorded instead of sent. One JSON line answers each batch:
{"started": [event_params, ...], "alive": whether the thread lives,
"left": notifications never processed, "stderr": what was printed}.
With "debug": true in a batch, Mistral's DEBUG log goes to stderr too,
as with the charm's debug=true.
"""

import eventlet

eventlet.monkey_patch()

import collections  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import queue  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import types  # noqa: E402

from oslo_config import cfg  # noqa: E402
from oslo_service import threadgroup  # noqa: E402

from mistral import config  # noqa: E402,F401 (registers the options)
from mistral import messaging  # noqa: E402
from mistral.event_engine import default_event_engine  # noqa: E402

# Waiting for the thread to empty the queue or die: far beyond the
# milliseconds a batch takes, and only reached if the probe is broken.
GIVE_UP_S = 60


def run(batch):
    cfg.CONF.set_override('event_definitions_cfg_file',
                          batch['definitions'], 'event_engine')
    engine = default_event_engine.DefaultEventEngine.__new__(
        default_event_engine.DefaultEventEngine)
    engine.event_queue = queue.Queue()
    engine.lock = threading.Lock()
    engine.event_triggers_map = collections.defaultdict(list)
    for number, trigger in enumerate(batch['triggers']):
        engine.event_triggers_map[trigger['event']].append(
            dict(trigger, id=str(number), name=str(number)))
    engine.notification_converter = \
        default_event_engine.NotificationsConverter()
    started = []
    engine._start_workflow = lambda triggers, params: started.extend(
        [params] * len(triggers))
    engine.handler_tg = threadgroup.ThreadGroup()
    endpoint = types.SimpleNamespace(event_engine=engine)
    for n in batch['notifications']:
        messaging.handle_event(endpoint, n['ctxt'], n['publisher_id'],
                               n['event_type'], n['payload'], n['metadata'])
    engine._start_handler()
    thread = engine.handler_tg.threads[0].thread
    waited = 0.0
    while engine.event_queue.unfinished_tasks and not thread.dead and \
            waited < GIVE_UP_S:
        eventlet.sleep(0.01)
        waited += 0.01
    alive = not thread.dead
    if alive:
        thread.kill()
    return {'started': started, 'alive': alive,
            'left': engine.event_queue.unfinished_tasks}


def main():
    cfg.CONF([], project='mistral', default_config_files=[])
    out = sys.stdout
    for line in sys.stdin:
        batch = json.loads(line)
        printed = sys.stderr = io.StringIO()
        log = logging.StreamHandler(printed)
        if batch.get('debug'):
            logging.getLogger().addHandler(log)
            logging.getLogger().setLevel(logging.DEBUG)
        try:
            answer = run(batch)
        finally:
            sys.stderr = sys.__stderr__
            logging.getLogger().removeHandler(log)
            logging.getLogger().setLevel(logging.WARNING)
        answer['stderr'] = printed.getvalue()
        out.write(json.dumps(answer, default=repr) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
