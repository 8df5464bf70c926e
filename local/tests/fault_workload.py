"""The fault stories' workload: a multi-step workflow whose every task
calls back to a recorder on the host, so that a story knows which task
ran, how many times, whatever Mistral says about it.

``fault_job`` runs: prepare; then left, and right (a with-items of three,
two at a time), side by side; a join; a subworkflow of two steps; finish.
Each call takes STEP_SECONDS (the recorder answers late), so a run lasts
about half a minute and a fault lands in the middle of many tasks.

Every task that calls out carries what a workflow author writes for
tasks a crash may hit: a timeout, shorter than the charm's
action-heartbeat-timeout, and a retry policy. The timeout fails a task
whose action was lost (with its executor, its engine's unit or a broker
restart) in the execution's own project, and the retry runs it again.
A retry after Mistral 15's own heartbeat checker failed the action never
runs: the checker's context has no project, so the continuation it
schedules finds no task (docs/operating.md, "Failure modes"). The
policies are on those tasks, not in task-defaults: the tasks running a
subworkflow must have none, and Mistral 15 cannot turn a default off for
one task (``timeout: 0`` falls back to the default: policies.py
construct_policies_list).

Mistral 15 may complete the with-items task without running an item: a
retry that finds every slot its concurrency allows held by a lost action
has no index it may run, and completes the task SUCCESS (tasks.py
WithItemsTask._schedule_actions). A story counts such executions apart
(Batch.skipped_items).
"""

import collections
import concurrent.futures
import http.server
import subprocess
import threading
import time

from local import figures
from local.mistral_user import FINISHED, MistralError, create_workflows
from local.providers.mariadb import mysql
from local.tests import mistral_site

STEP_SECONDS = 2
EXECUTIONS = 30
FAULT_AFTER = 8     # seconds into a batch: prepare done, others running
STARTING = 8        # executions started at once
# A lost action's task times out after 30 s and is retried 3 s later.
# What a dead unit held unacknowledged RabbitMQ requeues to the others
# once it drops the unit's connections (rabbit-heartbeat-timeout, 20 s),
# before an RPC request's 60 s run out. A subworkflow result the dead
# engine was handling is lost for good: the engine's integrity check
# finds the task whose children all finished, at the execution's start
# + 10 s and every 120 s after (fixed in Mistral 15), so at the latest
# 250 s after the start; a join task such as gather cannot time out
# instead (Mistral 15 applies no timeout to a task that waited).
FINISH_WITHIN = 300
LOST_AFTER = 30
WORKFLOW = 'fault_job'
DEFINITION = """---
version: '2.0'
fault_job:
  input: [base]
  tasks:
    prepare:
      action: std.http url="<% $.base %>/prepare" timeout=60
      timeout: 30
      retry: {count: 10, delay: 3}
      on-success: [left, right]
    left:
      action: std.http url="<% $.base %>/left" timeout=60
      timeout: 30
      retry: {count: 10, delay: 3}
      on-success: [gather]
    right:
      with-items: i in <% [1, 2, 3] %>
      concurrency: 2
      action: std.http url="<% $.base %>/right-<% $.i %>" timeout=60
      timeout: 30
      retry: {count: 10, delay: 3}
      on-success: [gather]
    gather:
      join: all
      workflow: fault_step base=<% $.base %>
      on-success: [finish]
    finish:
      action: std.http url="<% $.base %>/finish" timeout=60
      timeout: 30
      retry: {count: 10, delay: 3}
fault_step:
  input: [base]
  tasks:
    first:
      action: std.http url="<% $.base %>/sub-first" timeout=60
      timeout: 30
      retry: {count: 10, delay: 3}
      on-success: [second]
    second:
      action: std.http url="<% $.base %>/sub-second" timeout=60
      timeout: 30
      retry: {count: 10, delay: 3}
"""


def without_policies(definition):
    """The workload as most workflows in the field are written: the same
    tasks with no timeout and no retry, under workflow names of its own."""
    kept = [line for line in definition.splitlines()
            if line.split(':')[0].strip() not in ('timeout', 'retry')]
    return '\n'.join(kept).replace('fault_', 'plain_') + '\n'


# A broker fault must lose nothing without the author's help.
PLAIN_WORKFLOW = 'plain_job'
PLAIN_DEFINITION = without_policies(DEFINITION)
# The join, and the tasks it joins; each workflow's tasks.
JOINS = {'gather': {'left', 'right'}}
WITH_ITEMS = {'right'}
TASKS = {'fault_job': {'prepare', 'left', 'right', 'gather', 'finish'},
         'fault_step': {'first', 'second'}}
TASKS.update({name.replace('fault_', 'plain_'): tasks
              for name, tasks in list(TASKS.items())})
# The recorder paths of each task (a with-items task has one per item).
ITEMS = ['right-1', 'right-2', 'right-3']
STEPS = {'prepare': ['prepare'], 'left': ['left'], 'right': ITEMS,
         'first': ['sub-first'], 'second': ['sub-second'],
         'finish': ['finish']}


class Recorder:
    """An HTTP server that counts GET /<tag>/<step> and answers after
    STEP_SECONDS; units call it at ``address``. It listens on every
    address: the bridge's goes and comes back with the deployments, and
    a socket bound to it would hear nothing once it is made again."""

    def __init__(self, address):
        self.hits = collections.Counter()
        self.callers = {}       # (tag, step): the address that called
        self.delays = {}        # step: seconds it takes, if not STEP_SECONDS
        lock = threading.Lock()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                key = tuple(self.path.strip('/').split('/'))
                with lock:
                    recorder.hits[key] += 1
                    recorder.callers[key] = self.client_address[0]
                time.sleep(recorder.delays.get(key[-1], STEP_SECONDS))
                try:
                    self.send_response(200)
                    self.send_header('Content-Length', '2')
                    self.end_headers()
                    self.wfile.write(b'ok')
                except OSError:
                    pass    # the caller died meanwhile: that is the test

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('0.0.0.0', 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.base = 'http://{}:{}'.format(address, self.server.server_port)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def runs(self, tag, step):
        return self.hits[(tag, step)]


class Batch:
    """``count`` executions of the workload (or its plain variant)
    started through ``client``, and what became of them."""

    def __init__(self, client, recorder, count, name, plain=False):
        self.client = client
        self.recorder = recorder
        self.workflow = PLAIN_WORKFLOW if plain else WORKFLOW
        create_workflows(client, PLAIN_DEFINITION if plain else DEFINITION)
        self.tags = ['{}-{}'.format(name, n) for n in range(count)]

        def start(tag):
            return client.start(self.workflow, {
                'base': '{}/{}'.format(recorder.base, tag)})['id']
        # several at once, so that a big batch is in flight together
        with concurrent.futures.ThreadPoolExecutor(STARTING) as pool:
            self.ids = dict(zip(pool.map(start, self.tags), self.tags))

    def states(self):
        found = {e['id']: e['state'] for e in self.client.executions(
                     workflow_name=self.workflow, limit=1000)
                 if e['id'] in self.ids}
        return {i: found.get(i, 'MISSING') for i in self.ids}

    def wait(self, timeout, forgive_lost=True):
        """Wait until every execution has finished, nothing but post-commit
        operations lost with an engine (lost_in_memory) has held the rest
        for LOST_AFTER s (a join waits a moment for its refresh), or
        ``timeout`` passed; the states then. The API may not answer for a
        while (the VIP moving off a lost unit, the database restarting)."""
        deadline = time.monotonic() + timeout
        states = {i: 'UNKNOWN' for i in self.ids}
        unfinished, since = None, time.monotonic()
        while True:
            try:
                states = self.states()
                now_unfinished = {i for i, s in states.items()
                                  if s not in FINISHED}
                if now_unfinished != unfinished:
                    unfinished, since = now_unfinished, time.monotonic()
            except (OSError, MistralError):
                pass
            if all(s in FINISHED for s in states.values()) or \
                    time.monotonic() > deadline:
                return states
            # no progress for a while: only lost operations left?
            if forgive_lost and unfinished and \
                    time.monotonic() - since > LOST_AFTER:
                try:
                    if unfinished <= self.lost_in_memory(states):
                        return states
                except (OSError, MistralError):
                    pass
                since = time.monotonic()
            time.sleep(2)

    def finished_steps(self):
        """(tag, step) of every step whose task Mistral has recorded as
        SUCCESS, in subworkflows too."""
        root_of = {}
        for execution in self.client.request(
                'GET', '/executions?limit=1000')['executions']:
            root = execution.get('root_execution_id') or execution['id']
            if root in self.ids:
                root_of[execution['id']] = self.ids[root]
        tasks = self.client.request('GET', '/tasks?limit=5000')['tasks']
        return {(root_of[t['workflow_execution_id']], step)
                for t in tasks if t['state'] == 'SUCCESS' and
                t['workflow_execution_id'] in root_of
                for step in STEPS.get(t['name'], [])}

    def runs(self):
        """{(tag, step): how many times the recorder saw it}."""
        return {(tag, step): self.recorder.runs(tag, step)
                for tag in self.tags
                for steps in STEPS.values() for step in steps}

    def rerun_after_finishing(self, finished):
        """Steps in ``finished`` (a finished_steps() taken earlier) that
        ran more than once."""
        return sorted(step for step in finished
                      if self.recorder.runs(*step) > 1)

    def never_run(self, but=()):
        """(tag, step) of every step the recorder never saw, but for the
        executions tagged in ``but``."""
        return sorted(step for step, runs in self.runs().items()
                      if runs == 0 and step[0] not in but)

    @staticmethod
    def skipped_items(never):
        """The tags whose steps never run (a never_run()) are all items of
        the with-items task: Mistral completed it without them."""
        tags = {tag for tag, _ in never}
        return {tag for tag in tags
                if all(step in ITEMS for t, step in never if t == tag)}

    def stuck(self, states):
        """What holds each unfinished execution: its tasks (and its
        subworkflows' tasks) that have not succeeded, with the states of
        their actions, as lines for the failure report."""
        executions = self.client.request(
            'GET', '/executions?limit=1000')['executions']
        tasks = self.client.request('GET', '/tasks?limit=5000')['tasks']
        actions = self.client.request(
            'GET', '/action_executions?limit=5000')['action_executions']
        lines = []
        for root, state in states.items():
            if state in FINISHED:
                continue
            family = {e['id'] for e in executions
                      if root in (e['id'], e.get('root_execution_id'))}
            lines.append('{} {} {}'.format(self.ids[root], root, state))
            for task in tasks:
                if task['workflow_execution_id'] not in family or \
                        task['state'] == 'SUCCESS':
                    continue
                held = ['{}@{}'.format(a['state'], a['updated_at'] or
                                       a['created_at'])
                        for a in actions
                        if a.get('task_execution_id') == task['id']]
                held += ['workflow {}@{}'.format(e['state'], e['updated_at'])
                         for e in executions
                         if e.get('task_execution_id') == task['id']]
                lines.append('  {} {} (updated {}) {!r} actions {}'.format(
                    task['name'], task['state'], task['updated_at'],
                    (task.get('state_info') or '')[:120], held))
        return lines

    def lost_in_memory(self, states):
        """The unfinished executions held by nothing but a post-commit
        operation, which Mistral 15 keeps in an engine's memory once a
        transaction commits (post_tx_queue) and so loses with the engine
        (docs/operating.md, "Failure modes": an upstream defect, no
        release recovers it): a join's
        refresh (the join WAITING, every task it joins SUCCESS) or a
        subworkflow's completion check (the subworkflow RUNNING, every
        one of its tasks SUCCESS); and a with-items task that Mistral
        15's count of its items never completed after a lost action
        (RUNNING, every item's action done, none running: CI run of
        b46c975). Every other task must have succeeded
        and nothing else started. Any other unfinished execution is this
        charm's failure."""
        executions = self.client.request(
            'GET', '/executions?limit=1000')['executions']
        tasks = self.client.request('GET', '/tasks?limit=5000')['tasks']
        actions = self.client.request(
            'GET', '/action_executions?limit=10000')['action_executions']
        return {root for root, state in states.items()
                if state not in FINISHED and
                held_only_by_lost_operations(root, executions, tasks,
                                             actions)}

    def summary(self, states):
        counts = collections.Counter(states.values())
        runs = collections.Counter(min(n, 2) for n in self.runs().values())
        return ('{} executions: {} SUCCESS, {} ERROR, {} still RUNNING; '
                'steps run once {}, twice or more {}, never {}'.format(
                    len(states), counts['SUCCESS'], counts['ERROR'],
                    len(states) - counts['SUCCESS'] - counts['ERROR'],
                    runs[1], runs[2], runs[0]))


def through(api, recorder, name, fault, count=EXECUTIONS, plain=False):
    """Run a batch (``plain``: with no timeout nor retry, where nothing
    may be lost at all), apply ``fault`` FAULT_AFTER seconds in, wait
    for the batch; print and check the counts."""
    batch = Batch(api, recorder, count, name, plain=plain)
    time.sleep(FAULT_AFTER)
    finished = batch.finished_steps()
    in_flight = sum(1 for s in batch.states().values() if s not in FINISHED)
    started = time.monotonic()
    fault()
    states = batch.wait(FINISH_WITHIN, forgive_lost=not plain)
    took = time.monotonic() - started
    rerun = batch.rerun_after_finishing(finished)
    mistral_site.record(
        '{}: {}; {} in flight at the fault; {} steps finished before it, '
        '{} of them run again; all finished {:.0f} s after it'.format(
            name, batch.summary(states), in_flight, len(finished),
            len(rerun), took))
    assert finished, 'the fault came before any task finished'
    assert in_flight, 'every execution finished before the fault'
    lost = set() if plain else batch.lost_in_memory(states)
    counts = collections.Counter(states.values())
    figures.record({
        'executions': len(states), 'in flight at the fault': in_flight,
        'SUCCESS': counts['SUCCESS'],
        'ERROR': counts['ERROR'],
        'still RUNNING': len(states) - counts['SUCCESS'] - counts['ERROR'],
        'held only by a post-commit operation lost': len(lost),
        'steps finished before the fault': len(finished),
        'of them run again': len(rerun),
        'steps run twice or more': sum(
            1 for runs in batch.runs().values() if runs > 1),
        'seconds from the fault to done': round(took)})
    if lost:
        mistral_site.record('{}: {} held only by a post-commit operation '
                            'lost with the dead engine (docs/operating.md, '
                            '"Failure modes")'.format(name, len(lost)))
    if any(states[i] not in FINISHED for i in set(states) - lost):
        for line in (batch.stuck(states) + database_sessions() +
                     scheduled_jobs()):
            mistral_site.record(line)
    others = {i: s for i, s in states.items() if i not in lost}
    assert set(others.values()) == {'SUCCESS'}, batch.summary(states)
    assert rerun == [], rerun
    # every step of every other execution ran: nothing skipped, but what
    # Mistral 15 skips itself (skipped_items), counted apart
    never = batch.never_run(but={batch.ids[i] for i in lost})
    skipped = set() if plain else batch.skipped_items(never)
    if skipped:
        mistral_site.record('{}: {} SUCCESS with an item of the with-items '
                            'task never run, by Mistral\'s retry '
                            '(docs/operating.md, "Failure modes"): {}'.format(
                                name, len(skipped), never))
    assert [step for step in never if step[0] not in skipped] == [], never
    return batch


def database_sessions():
    """MariaDB's sessions of the mistral user by client host: how many,
    how many hold a transaction open and the oldest one's age (s), as
    lines for a failure report."""
    found = mysql(
        "SELECT SUBSTRING_INDEX(p.host, ':', 1) AS client, COUNT(*), "
        "COUNT(t.trx_started), COALESCE(MAX(TIMESTAMPDIFF(SECOND, "
        "t.trx_started, NOW())), 0) FROM information_schema.processlist p "
        "LEFT JOIN information_schema.innodb_trx t ON "
        "t.trx_mysql_thread_id = p.id WHERE p.user = 'mistral' "
        "GROUP BY client")
    return ['mariadb sessions from {}: {}, {} in a transaction (oldest '
            '{} s)'.format(*line.split('\t'))
            for line in found.splitlines()]


def scheduled_jobs():
    """Mistral's scheduled jobs (what a task's refresh, timeout or retry
    waits on) by function and whether an engine took them."""
    found = mysql("SELECT func_name, captured_at IS NOT NULL, COUNT(*) "
                  "FROM mistral.scheduled_jobs_v2 GROUP BY 1, 2")
    return ['scheduled jobs {} (taken: {}): {}'.format(*line.split('\t'))
            for line in found.splitlines()] or ['no scheduled job']


def restart_service(name):
    """Restart one of the host's shared services (RabbitMQ, a
    database), as an operator's maintenance would."""
    subprocess.run(['service', name, 'restart'], check=True,
                   capture_output=True)


def held_only_by_lost_operations(execution_id, executions, tasks,
                                 actions=()):
    """Whether every task of the execution (API dicts) succeeded, but for
    a join whose refresh or a subworkflow whose completion check Mistral
    lost (Batch.lost_in_memory), or a with-items task whose every item
    has a SUCCESS action and none runs, that Mistral 15's bookkeeping of
    items after a lost action never completed (and the join waiting for
    it), and nothing else holds it."""
    own = {t['name']: t for t in tasks
           if t['workflow_execution_id'] == execution_id}
    done = {name for name, t in own.items() if t['state'] == 'SUCCESS'}
    settled = {name for name, t in own.items()
               if name in WITH_ITEMS and t['state'] == 'RUNNING'
               and items_all_done(t, actions)}
    held = set(own) - done - settled
    if not held:
        if settled:
            return False    # nothing waits for it: not this workflow
        # a subworkflow whose tasks all succeeded: its completion was lost
        workflow = next(e['workflow_name'] for e in executions
                        if e['id'] == execution_id)
        return TASKS.get(workflow) == done
    if len(held) != 1:
        return False
    task = own[held.pop()]
    if task['state'] == 'WAITING':
        return task['name'] in JOINS and JOINS[task['name']] <= \
            done | settled
    if settled:
        return False
    children = [e for e in executions
                if e.get('task_execution_id') == task['id']]
    return task['state'] == 'RUNNING' and len(children) == 1 and \
        children[0]['state'] == 'RUNNING' and \
        held_only_by_lost_operations(children[0]['id'], executions, tasks,
                                     actions)


def items_all_done(task, actions):
    """No action of the with-items task runs, and at least one per item
    succeeded (a lost one ends ERROR by its timeout, then a retry)."""
    own = [a['state'] for a in actions
           if a.get('task_execution_id') == task['id']]
    return 'RUNNING' not in own and own.count('SUCCESS') >= len(ITEMS)
