"""The fault stories' judges: what they forgive, an execution held by
nothing but a post-commit operation lost with a dead engine
(held_only_by_lost_operations) or one Mistral completed without an item of
its with-items task (Batch.skipped_items), and what they must not
forgive. The API dicts are shaped as Mistral 15's, from the executions
the CI runs left."""

import pytest

from local.tests.fault_workload import Batch, held_only_by_lost_operations

ROOT, SUB = 'root', 'sub'


def execution(id, workflow, state, task=None):
    return {'id': id, 'workflow_name': workflow, 'state': state,
            'task_execution_id': task}


def task(name, state, execution=ROOT):
    return {'id': 'task-' + name, 'name': name, 'state': state,
            'workflow_execution_id': execution}


def family(gather='SUCCESS', sub=None, sub_tasks=(), finish=None,
           right_actions=('SUCCESS',) * 3, **states):
    """A fault_job execution up to its join: prepare, left and right in
    the given states (SUCCESS unless told) with right's actions, gather,
    and its subworkflow and the subworkflow's tasks when given."""
    tasks = [task(name, states.get(name, 'SUCCESS'))
             for name in ('prepare', 'left', 'right')]
    tasks.append(task('gather', gather))
    if finish:
        tasks.append(task('finish', finish))
    tasks += [task(name, state, SUB) for name, state in sub_tasks]
    executions = [execution(ROOT, 'fault_job', 'RUNNING')]
    if sub:
        executions.append(execution(SUB, 'fault_step', sub, 'task-gather'))
    actions = [{'task_execution_id': 'task-right', 'state': state}
               for state in right_actions]
    return executions, tasks, actions


FORGIVEN = {
    # the refresh of the join is lost: its inputs are all there
    'join never refreshed': family(gather='WAITING'),
    # the subworkflow's completion check is lost (CI run of 008b2f7)
    'subworkflow never completed': family(
        gather='RUNNING', sub='RUNNING',
        sub_tasks=[('first', 'SUCCESS'), ('second', 'SUCCESS')]),
    # every item done after a lost one's retry, the task never completed
    # (CI run of b46c975: six actions SUCCESS, right RUNNING)
    'with-items never completed': family(
        gather='WAITING', right='RUNNING',
        right_actions=('SUCCESS',) * 4 + ('ERROR',) + ('SUCCESS',)),
}
NOT_FORGIVEN = {
    'a joined task still running': family(gather='WAITING', left='RUNNING'),
    'a joined task failed': family(gather='WAITING', right='ERROR'),
    'a task of the subworkflow still running': family(
        gather='RUNNING', sub='RUNNING',
        sub_tasks=[('first', 'SUCCESS'), ('second', 'RUNNING')]),
    'the subworkflow not run to its end': family(
        gather='RUNNING', sub='RUNNING', sub_tasks=[('first', 'SUCCESS')]),
    'the subworkflow never started': family(gather='RUNNING'),
    'the last task stuck': family(
        sub='SUCCESS', finish='RUNNING',
        sub_tasks=[('first', 'SUCCESS'), ('second', 'SUCCESS')]),
    'an action lost before the join': family(gather='WAITING',
                                             prepare='RUNNING'),
    'an item still running': family(
        gather='WAITING', right='RUNNING',
        right_actions=('SUCCESS', 'SUCCESS', 'RUNNING')),
    'an item never succeeded': family(
        gather='WAITING', right='RUNNING',
        right_actions=('SUCCESS', 'SUCCESS', 'ERROR')),
    'with-items stuck and the other side too': family(
        gather='WAITING', right='RUNNING', left='RUNNING'),
}


@pytest.mark.parametrize('case', sorted(FORGIVEN))
def test_an_operation_lost_with_the_engine_is_counted_apart(case):
    assert held_only_by_lost_operations(ROOT, *FORGIVEN[case])


@pytest.mark.parametrize('case', sorted(NOT_FORGIVEN))
def test_anything_else_unfinished_fails_the_story(case):
    assert not held_only_by_lost_operations(ROOT, *NOT_FORGIVEN[case])


def test_an_execution_completed_without_an_item_is_counted_apart():
    never = [('a', 'right-3'), ('b', 'right-1'), ('b', 'right-2')]
    assert Batch.skipped_items(never) == {'a', 'b'}


def test_any_other_step_never_run_is_not_forgiven():
    # a skipped item beside another step never run is not Mistral's retry
    never = [('a', 'right-3'), ('a', 'finish'), ('b', 'sub-first')]
    assert Batch.skipped_items(never) == set()
