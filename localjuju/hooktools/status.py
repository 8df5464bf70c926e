"""status-set, status-get, application-version-set, juju-log: what
`juju status` and `juju debug-log` show of a unit."""

import time

from localjuju import model as m
from localjuju.hooktools.grammar import FLAG, VALUE, Tool, ToolError
from localjuju.hooktools.output import write

STATUS_HISTORY = 100
LEVELS = ('CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'TRACE')
STATUSES = ('maintenance', 'blocked', 'waiting', 'active')


def status_set(ctx, opts, args):
    if not args or args[0] not in STATUSES:
        raise ToolError('invalid status "{}", expected one of [{}]'.format(
            args[0] if args else '', ' '.join(STATUSES)))
    status = {'status': args[0], 'message': ' '.join(args[1:]),
              'since': time.time()}
    with ctx.model.edit() as state:
        if opts.get('--application'):
            if not ctx.is_leader(state):
                raise ToolError('this unit is not the leader')
            state['applications'][ctx.app]['status'] = status
        else:
            unit = state['units'][ctx.unit]
            unit['workload'] = status
            # What `juju show-status-log` shows: statuses a hook passed
            # through, which the final one alone would hide.
            history = unit.setdefault('status-history', [])
            history.append(dict(status, hook=ctx.hook))
            del history[:-STATUS_HISTORY]


def shown(status):
    return {'status': status['status'], 'message': status['message'],
            'status-data': {}}


def status_get(ctx, opts, args):
    state = ctx.model.read()
    if opts.get('--application'):
        if not ctx.is_leader(state):
            raise ToolError('finding application status: this unit is not '
                            'the leader')
        app = state['applications'][ctx.app]
        value = {'application-status': dict(
            shown(app.get('status') or m.derived_app_status(state, ctx.app)),
            units={u: shown(state['units'][u]['workload'])
                   for u in app['units']})}
    else:
        value = shown(state['units'][ctx.unit]['workload'])
    if not opts.get('--include-data') and not opts.get('--application'):
        value = value['status'] if not args else value.get(args[0])
    write(value, opts)


def application_version_set(ctx, opts, args):
    if len(args) != 1:
        raise ToolError('no version specified' if not args
                        else 'unrecognized args: {}'.format(args[1:]), 2)
    with ctx.model.edit() as state:
        state['applications'][ctx.app]['version'] = args[0]


def juju_log(ctx, opts, args):
    level = 'DEBUG' if opts.get('--debug') else opts.get('-l', 'INFO')
    if level.upper() not in LEVELS:
        raise ToolError('invalid log level "{}"'.format(level))
    if not args:
        return  # Juju accepts an empty message and logs nothing
    ctx.log(level.upper(), ' '.join(args))


TOOLS = {
    'status-set': Tool(status_set, {'--application': FLAG}),
    'status-get': Tool(status_get, {'--application': FLAG,
                                    '--include-data': FLAG}),
    'application-version-set': Tool(application_version_set),
    'juju-log': Tool(juju_log, {'-l': VALUE, '--debug': FLAG}),
}
