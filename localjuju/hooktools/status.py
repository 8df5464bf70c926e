"""status-set, status-get, application-version-set, juju-log: what
`juju status` and `juju debug-log` show of a unit."""

import time

from localjuju import model as m
from localjuju.hooktools.grammar import (
    FLAG, VALUE, Tool, ToolError, check_empty, init_error, printing)
from localjuju.hooktools.output import write

STATUS_HISTORY = 100
LEVELS = ('CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'TRACE')
STATUSES = ('maintenance', 'blocked', 'waiting', 'active')


def status_set(ctx, opts, args):
    if not args:
        raise init_error('invalid args, require <status> [message]')
    if args[0] not in STATUSES:
        raise init_error('invalid status "{}", expected one of [{}]'.format(
            args[0], ' '.join(STATUSES)))
    check_empty(args[2:])   # the message is one argument
    status = {'status': args[0], 'message': args[1] if args[1:] else '',
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


def details(status, include_data):
    """status-get's toDetails."""
    if not include_data:
        return {'status': status['status']}
    return {'status': status['status'], 'message': status['message'],
            'status-data': {}}


def status_get(ctx, opts, args):
    check_empty(args)
    state = ctx.model.read()
    include = bool(opts.get('--include-data'))
    if opts.get('--application'):
        if not ctx.is_leader(state):
            raise ToolError('finding application status: this unit is not '
                            'the leader')
        app = state['applications'][ctx.app]
        status = app.get('status') or m.derived_app_status(state, ctx.app)
        value = {'application-status': dict(
            details(status, include),
            units={u: details(state['units'][u]['workload'], include)
                   for u in app['units']})}
    else:
        status = state['units'][ctx.unit]['workload']
        value = details(status, include)
    if not include and opts['--format'] == 'smart':
        value = status['status']
    write(value, opts)


def application_version_set(ctx, opts, args):
    if not args:
        raise init_error('no version specified')
    check_empty(args[1:])
    with ctx.model.edit() as state:
        state['applications'][ctx.app]['version'] = args[0]


def juju_log(ctx, opts, args):
    if not args:   # `juju-log ""` logs an empty message
        raise init_error('no message specified')
    given = 'DEBUG' if opts.get('--debug') else opts.get('-l', 'INFO')
    level = {'WARN': 'WARNING'}.get(given.upper(), given.upper())
    if level not in LEVELS:   # loggo.ParseLevel refused it: INFO
        ctx.log('WARNING', 'Specified log level of "{}" is not valid'
                .format(given))
        level = 'INFO'
    ctx.log(level, ' '.join(args))


TOOLS = {
    'status-set': Tool(status_set, {'--application': FLAG}),
    'status-get': printing(status_get, {'--application': FLAG,
                                        '--include-data': FLAG}),
    'application-version-set': Tool(application_version_set),
    'juju-log': Tool(juju_log, {'-l': VALUE, '--debug': FLAG,
                                '--format': VALUE}),   # --format: deprecated
}
