"""Event triggers against notifications as an OpenStack service sends
them: oslo.messaging's notifier on the unit (its mistral.conf's
RabbitMQ), on the exchange and topic of an event trigger, to the queue
the event engines share (Mistral's listener pool).

With the charm's event definitions, a notification whose context lacks
user_id starts its execution (user_id null) and the next one starts
its own, the event engine's PID unchanged. Without them (Mistral's
defaults, what the charm rendered before), the same notification ends
the event engine's processing thread: the unit's status says so and
names the action that restarts it; the charm's next config-changed
puts the file back, restarts the event engine, and triggers fire
again."""

import json
import subprocess
import time
import uuid

import pytest

from local.mistral_user import create_workflows, wait_for_execution
from local.tests.mistral_site import READY, record, wait_until

pytestmark = pytest.mark.needs_root

WORKFLOW = """version: '2.0'
charm_event_story:
  tasks:
    noop:
      action: std.noop
"""
EXCHANGE, TOPIC = 'charmstory', 'notifications'
EVENT = 'charm.story.created'
ENGINE = 'mistral-event-engine'
DEFINITIONS = '/etc/mistral/mistral-event-definitions.yaml'
# Mistral's listener pool ([event_engine] listener_pool_name 'events'):
# the one queue of an exchange, shared by every unit's event engine.
QUEUE = 'mistral-{}-events'.format(EXCHANGE)
USER = 'charm-story-user'
# What an OpenStack service runs to notify, on the unit (its python3 has
# oslo.messaging): its own exchange; the transport, its TLS and how
# queues are declared (rabbit-queue-type: a trigger's exchange must be
# declared alike) are mistral.conf's.
PUBLISH = """
import json, sys, tempfile
from oslo_config import cfg
import oslo_messaging
exchange, topic, notifications = sys.argv[1], sys.argv[2], sys.argv[3]
conf = cfg.ConfigOpts()
with tempfile.NamedTemporaryFile('w', suffix='.conf') as own:
    own.write('[DEFAULT]\\ncontrol_exchange = %s\\n' % exchange)
    own.flush()
    conf(['--config-file', '/etc/mistral/mistral.conf',
          '--config-file', own.name], project='mistral')
transport = oslo_messaging.get_notification_transport(conf)
for n in json.loads(notifications):
    oslo_messaging.Notifier(
        transport, publisher_id=n['publisher_id'], driver='messagingv2',
        topics=[topic], retry=3).info(n['ctxt'], n['event_type'],
                                      n['payload'])
transport.cleanup()
"""


def notification(project_id, user_id=None):
    ctxt = {'project_id': project_id, 'request_id': 'req-' + uuid.uuid4().hex}
    if user_id:
        ctxt['user_id'] = user_id
    return {'publisher_id': 'story.host1', 'event_type': EVENT,
            'ctxt': ctxt, 'payload': {'id': uuid.uuid4().hex}}


def publish(serving, *notifications):
    serving.inside('/usr/bin/python3', '-c', PUBLISH, EXCHANGE, TOPIC,
                   json.dumps(list(notifications)))


def queue(serving):
    """(messages, consumers) of the event engines' queue, or None."""
    listed = subprocess.run(
        ['rabbitmqctl', '--quiet', 'list_queues', '-p', serving.amqp_vhost(),
         '--no-table-headers', 'name', 'messages', 'consumers'],
        capture_output=True, text=True, check=True).stdout
    for line in listed.splitlines():
        fields = line.split()
        if fields and fields[0] == QUEUE:
            return int(fields[1]), int(fields[2])
    return None


def wait_listening(serving):
    wait_until(lambda: (queue(serving) or (0, 0))[1] >= 1,
               'an event engine consuming ' + QUEUE, 120)


def executions(client):
    return {e['id']: e for e in client.executions(
        workflow_name='charm_event_story', limit=100)}


def wait_new_execution(client, known, timeout=60):
    """The execution an event trigger started since ``known``, once it
    finished, with the event_params it was given."""
    found = wait_until(lambda: set(executions(client)) - set(known),
                       'an execution started by the event trigger',
                       timeout)
    assert len(found) == 1, found
    done = wait_for_execution(client, found.pop())
    done['event_params'] = json.loads(done['params'])['event_params']
    return done


@pytest.fixture(scope='module')
def trigger(serving):
    client = serving.client()
    created = create_workflows(client, WORKFLOW)
    workflow_id = created['workflows'][0]['id']
    made = client.request('POST', '/event_triggers', {
        'name': 'charm_event_story', 'workflow_id': workflow_id,
        'exchange': EXCHANGE, 'topic': TOPIC, 'event': EVENT,
        'workflow_input': {}})
    wait_listening(serving)
    yield made
    client.request('DELETE', '/event_triggers/' + made['id'])


def test_a_malformed_notification_then_a_good_one_each_start_an_execution(
        serving, trigger):
    client = serving.client()
    pid = serving.pid(ENGINE)
    known = executions(client)
    publish(serving, notification(trigger['project_id']))   # no user_id
    malformed = wait_new_execution(client, known)
    publish(serving, notification(trigger['project_id'], USER))
    good = wait_new_execution(client, executions(client))
    assert malformed['state'] == good['state'] == 'SUCCESS'
    assert malformed['event_params']['user_id'] is None
    assert good['event_params']['user_id'] == USER
    assert good['event_params']['project_id'] == trigger['project_id']
    assert serving.pid(ENGINE) == pid
    assert serving.workload() == READY
    record('event trigger: 2 notifications (the first without user_id), '
           '2 executions SUCCESS, {} PID unchanged'.format(ENGINE))


def test_without_the_charms_definitions_the_status_tells_the_thread_ended(
        serving, trigger):
    client = serving.client()
    pid = None
    try:
        # What the charm rendered before: no file, Mistral's defaults.
        serving.inside('rm', '-f', DEFINITIONS)
        serving.inside('service', ENGINE, 'restart')
        wait_listening(serving)
        serving.hook('update-status')       # the hook sees the new PID
        pid = serving.pid(ENGINE)
        assert serving.workload() == READY
        publish(serving, notification(trigger['project_id']))
        state = wait_until(lambda: serving.hook('update-status') and
                           serving.workload()[0] == 'blocked' and
                           serving.workload(),
                           'the status telling the thread ended', 60)
        assert state[1].startswith(
            'Event triggers no longer fire: {} stopped processing '
            'notifications (YaqlEvaluationException); run '
            'restart-services services={}'.format(ENGINE, ENGINE)), state
        # The process lives on, and takes the next notification off the
        # queue, but no workflow starts.
        known = executions(client)
        publish(serving, notification(trigger['project_id'], USER))
        wait_until(lambda: queue(serving)[0] == 0,
                   'the notification taken off the queue', 30)
        time.sleep(10)
        assert executions(client).keys() == known.keys()
        assert serving.pid(ENGINE) == pid
        record('event trigger on Mistral\'s own definitions: 1 '
               'notification without user_id ended the processing '
               'thread, the next started 0 executions, status blocked')
    finally:
        assert serving.hook('config-changed')
    assert serving.inside('test', '-s', DEFINITIONS, check=False) \
        .returncode == 0
    assert serving.pid(ENGINE) != pid
    wait_listening(serving)
    assert serving.workload() == READY
    known = executions(client)
    publish(serving, notification(trigger['project_id'], USER))
    again = wait_new_execution(client, known)
    assert again['state'] == 'SUCCESS'
    assert again['event_params']['user_id'] == USER
