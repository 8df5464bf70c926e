"""The hook tools, one function per tool, dispatched by program name.

Each tool is a short-lived process started by the charm; it learns which
unit it serves from the JUJU_* environment the runner set and reads or
edits the model state. Output formats and failures follow Juju: errors go
to stderr prefixed with ``ERROR`` and exit 1; a bad flag exits 2.
Keep imports light: charms.reactive calls dozens of tools per hook.
"""

import json
import os
import re
import sys
import time

from local import model as m

STATUS_HISTORY = 100
LEVELS = ('CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'TRACE')
STATUSES = ('maintenance', 'blocked', 'waiting', 'active')
RESERVED_ACTION_KEYS = ('stdout', 'stdout-encoding', 'stderr',
                        'stderr-encoding')
ACTION_KEY = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$')
PORT_SPEC = re.compile(r'^(\d+)(?:-(\d+))?(?:/(tcp|udp))?$')

# Options each tool accepts: name -> takes a value. Aliases map to the
# canonical name. Every tool also accepts --format and --help.
VALUE, FLAG = True, False
OPTIONS = {
    'config-get': {'--all': FLAG, '-a': FLAG},
    'relation-get': {'-r': VALUE, '--app': FLAG},
    'relation-set': {'-r': VALUE, '--app': FLAG, '--file': VALUE},
    'relation-ids': {},
    'relation-list': {'-r': VALUE, '--app': FLAG},
    'leader-get': {},
    'leader-set': {'--file': VALUE},
    'is-leader': {},
    'status-set': {'--application': FLAG},
    'status-get': {'--application': FLAG, '--include-data': FLAG},
    'juju-log': {'-l': VALUE, '--debug': FLAG},
    'unit-get': {},
    'network-get': {'-r': VALUE, '--primary-address': FLAG,
                    '--bind-address': FLAG, '--ingress-address': FLAG,
                    '--egress-subnets': FLAG},
    'open-port': {'--endpoints': VALUE},
    'close-port': {'--endpoints': VALUE},
    'opened-ports': {'--endpoints': FLAG},
    'application-version-set': {},
    'action-get': {},
    'action-set': {},
    'action-fail': {},
    'action-log': {},
    'goal-state': {},
}
ALIASES = {'--relation': '-r', '--log-level': '-l', '-o': '--output'}
USAGE = {
    'relation-set': 'relation-set [options] key=value [key=value ...]\n'
                    '  --app  set application data (leader only)\n'
                    '  --file  file containing key-value pairs (- = stdin)\n'
                    '  -r, --relation  relation id\n',
}
TOOLS = sorted(OPTIONS)


class ToolError(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def parse(tool, argv):
    """Split argv into (options, positionals) the way Juju's gnuflag does:
    options may come before or after positional arguments."""
    accepted = dict(OPTIONS[tool], **{'--format': VALUE, '--help': FLAG,
                                      '-h': FLAG, '--output': VALUE})
    opts, args = {}, []
    items = iter(argv)
    for item in items:
        if item == '--':
            args.extend(items)
            break
        if not item.startswith('-') or item == '-':
            args.append(item)
            continue
        name, eq, value = item.partition('=')
        name = ALIASES.get(name, name)
        if name not in accepted:
            raise ToolError('flag provided but not defined: {}'.format(
                item.partition('=')[0]), 2)
        if accepted[name] is VALUE and not eq:
            value = next(items, None)
            if value is None:
                raise ToolError('flag needs an argument: ' + name, 2)
        opts[name] = value if accepted[name] is VALUE else True
    if opts.get('--format', 'smart') not in ('smart', 'json', 'yaml'):
        raise ToolError('invalid value "{}" for flag --format'.format(
            opts['--format']), 2)
    return opts, args


# -- output --------------------------------------------------------------

def smart(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return '\n'.join(value)
    return as_yaml(value).rstrip('\n')


def as_yaml(value):
    import yaml  # only when asked: it costs a few ms per tool call
    text = yaml.safe_dump(value, default_flow_style=False)
    return text[:-len('...\n')] if text.endswith('\n...\n') else text


def write(value, opts):
    fmt = opts.get('--format', 'smart')
    if fmt == 'json':
        text = json.dumps(value) + '\n'
    elif fmt == 'yaml':
        text = as_yaml(value)
    else:
        text = smart(value)
        text = text + '\n' if text else ''
    if opts.get('--output'):
        with open(opts['--output'], 'w') as out:
            out.write(text)
    else:
        sys.stdout.write(text)


# -- context -------------------------------------------------------------

class Context:
    """The unit a tool serves, as told by the runner's environment."""

    def __init__(self, environ):
        self.unit = environ.get('JUJU_UNIT_NAME')
        if not self.unit:
            raise ToolError('JUJU_UNIT_NAME not set: not running in a hook')
        self.app = m.app_of(self.unit)
        self.model = m.Model(environ.get('JUJU_MODEL_NAME', m.DEFAULT_MODEL),
                             environ.get('LOCAL_JUJU_STATE'))
        self.relation_id = environ.get('JUJU_RELATION_ID') or None
        self.remote_unit = environ.get('JUJU_REMOTE_UNIT') or None
        self.remote_app = environ.get('JUJU_REMOTE_APP') or None
        self.endpoint = environ.get('JUJU_RELATION') or None
        self.action = environ.get('JUJU_ACTION_UUID') or None
        self.context_id = environ.get('JUJU_CONTEXT_ID') or None
        self.hook = (environ.get('JUJU_HOOK_NAME')
                     or environ.get('JUJU_ACTION_NAME') or None)

    def is_leader(self, state):
        return state['applications'][self.app].get('leader') == self.unit

    def relation(self, state, opts):
        """The numeric relation id from -r or the hook's own relation."""
        text = opts.get('-r') or self.relation_id
        if not text:
            raise ToolError('no relation id specified')
        rel_id = m.parse_relation_id(state, self.app, text)
        if rel_id is None:
            raise ToolError('invalid value "{}" for option -r: relation '
                            'not found'.format(text), 2)
        return rel_id

    def pending(self, state, rel_id):
        """This hook's unpublished relation changes for ``rel_id``."""
        if not self.context_id:
            return None
        contexts = state.setdefault('contexts', {})
        ctx = contexts.setdefault(self.context_id,
                                  {'unit': self.unit, 'relations': {}})
        return ctx['relations'].setdefault(str(rel_id),
                                           {'unit': {}, 'app': {}})

    def action_record(self, state):
        if not self.action or self.action not in state['actions']:
            raise ToolError('not running an action')
        return state['actions'][self.action]

    def log(self, level, message):
        stamp = time.strftime('%H:%M:%S')
        where = ' ' + self.relation_id if self.relation_id else ''
        with open(m.unit_log(self.model.root, self.unit), 'a') as out:
            out.write('{}: {} {} juju-log{}: {}\n'.format(
                'unit-' + m.unit_tag(self.unit), stamp, level, where,
                message))


def merged(data, changes):
    result = dict(data)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def pick(data, args):
    """Whole dict for no key or ``-``; else the value (None if unset)."""
    if not args or args[0] == '-':
        return data
    return data.get(args[0])


# -- tools ---------------------------------------------------------------

def config_get(ctx, opts, args):
    config = ctx.model.read()['applications'][ctx.app]['config']
    if args:
        return write(config.get(args[0]), opts)
    if not opts.get('--all') and not opts.get('-a'):
        config = {k: v for k, v in config.items() if v is not None}
    write(config, opts)


def relation_get(ctx, opts, args):
    state = ctx.model.read()
    rel_id = ctx.relation(state, opts)
    relation = state['relations'][str(rel_id)]
    if opts.get('--app'):
        who = args[1] if len(args) > 1 else (
            ctx.remote_app or m.remote_app(relation, ctx.app))
        if who not in relation['apps']:
            raise ToolError('cannot read settings for application "{}" in '
                            'relation {}'.format(who, rel_id))
        if who == ctx.app and not ctx.is_leader(state):
            raise ToolError('permission denied: only the leader can read '
                            'its own application settings')
        data = relation['apps'][who]
        if who == ctx.app:
            data = merged(data, (ctx.pending(state, rel_id) or {})
                          .get('app', {}))
        return write(pick(data, args), opts)
    who = args[1] if len(args) > 1 else ctx.remote_unit
    if not who:
        raise ToolError('no unit id specified')
    if who not in relation['units']:
        raise ToolError('cannot read settings for unit "{}" in relation '
                        '{}: settings not found'.format(who, rel_id))
    data = relation['units'][who]
    if who == ctx.unit:
        data = merged(data, (ctx.pending(state, rel_id) or {})
                      .get('unit', {}))
    write(pick(data, args), opts)


def read_settings(opts, args, tool):
    """key=value pairs from --file (YAML) and the arguments."""
    settings = {}
    if opts.get('--file'):
        import yaml
        if opts['--file'] == '-':
            loaded = yaml.safe_load(sys.stdin.read())
        else:
            with open(opts['--file']) as source:
                loaded = yaml.safe_load(source)
        if not isinstance(loaded, (dict, type(None))):
            raise ToolError('{}: --file must hold a mapping'.format(tool))
        for key, value in (loaded or {}).items():
            settings[str(key)] = None if value in (None, '') else str(value)
    for item in args:
        key, eq, value = item.partition('=')
        if not eq or not key:
            raise ToolError('expected "key=value", got "{}"'.format(item), 2)
        settings[key] = value or None
    return settings


def relation_set(ctx, opts, args):
    settings = read_settings(opts, args, 'relation-set')
    with ctx.model.edit() as state:
        rel_id = ctx.relation(state, opts)
        scope = 'app' if opts.get('--app') else 'unit'
        if scope == 'app' and not ctx.is_leader(state):
            raise ToolError('cannot write relation settings: this unit is '
                            'not the leader')
        pending = ctx.pending(state, rel_id)
        if pending is not None:
            pending[scope].update(settings)
            return
        relation = state['relations'][str(rel_id)]
        holder = relation['apps'] if scope == 'app' else relation['units']
        name = ctx.app if scope == 'app' else ctx.unit
        holder[name] = merged(holder.get(name, {}), settings)


def relation_ids(ctx, opts, args):
    endpoint = args[0] if args else ctx.endpoint
    if not endpoint:
        raise ToolError('no endpoint name specified')
    state = ctx.model.read()
    # A relation being removed is still listed during -departed hooks;
    # by -broken the unit has forgotten it and it is gone, as in Juju.
    known = state['units'][ctx.unit]['relations']
    write(['{}:{}'.format(endpoint, rel_id)
           for rel_id, rel in m.relations_of(state, ctx.app, endpoint)
           if rel.get('life') != 'dying' or str(rel_id) in known], opts)


def relation_list(ctx, opts, args):
    state = ctx.model.read()
    rel_id = ctx.relation(state, opts)
    relation = state['relations'][str(rel_id)]
    if opts.get('--app'):
        return write(m.remote_app(relation, ctx.app), opts)
    seen = state['units'][ctx.unit]['relations'].get(str(rel_id), {})
    write(sorted(seen.get('joined', {})), opts)


def leader_get(ctx, opts, args):
    settings = ctx.model.read()['applications'][ctx.app]['leader-settings']
    write(pick(settings, args), opts)


def leader_set(ctx, opts, args):
    settings = read_settings(opts, args, 'leader-set')
    with ctx.model.edit() as state:
        if not ctx.is_leader(state):
            raise ToolError('cannot write leadership settings: cannot '
                            'write settings: not the leader')
        app = state['applications'][ctx.app]
        app['leader-settings'] = merged(app['leader-settings'], settings)


def is_leader(ctx, opts, args):
    write(ctx.is_leader(ctx.model.read()), opts)


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


def status_get(ctx, opts, args):
    state = ctx.model.read()

    def shown(status):
        return {'status': status['status'], 'message': status['message'],
                'status-data': {}}

    if opts.get('--application'):
        if not ctx.is_leader(state):
            raise ToolError('finding application status: this unit is not '
                            'the leader')
        app = state['applications'][ctx.app]
        value = {'application-status': dict(
            shown(app.get('status') or derived_app_status(state, ctx.app)),
            units={u: shown(state['units'][u]['workload'])
                   for u in app['units']})}
    else:
        value = shown(state['units'][ctx.unit]['workload'])
    if not opts.get('--include-data') and not opts.get('--application'):
        value = value['status'] if not args else value.get(args[0])
    write(value, opts)


def derived_app_status(state, app):
    """Juju shows the most significant unit status for the application."""
    order = ('error', 'blocked', 'maintenance', 'waiting', 'active',
             'unknown')
    statuses = [state['units'][u]['workload']
                for u in state['applications'][app]['units']]
    statuses.sort(key=lambda s: order.index(s['status'])
                  if s['status'] in order else len(order))
    return statuses[0] if statuses else {'status': 'unknown', 'message': ''}


def juju_log(ctx, opts, args):
    level = 'DEBUG' if opts.get('--debug') else opts.get('-l', 'INFO')
    if level.upper() not in LEVELS:
        raise ToolError('invalid log level "{}"'.format(level))
    if not args:
        return  # Juju accepts an empty message and logs nothing
    ctx.log(level.upper(), ' '.join(args))


def unit_get(ctx, opts, args):
    if len(args) != 1 or args[0] not in ('private-address',
                                         'public-address'):
        raise ToolError('unknown setting "{}"'.format(' '.join(args)))
    write(ctx.model.read()['units'][ctx.unit]['address'], opts)


def network_get(ctx, opts, args):
    state = ctx.model.read()
    if len(args) != 1:
        raise ToolError('no endpoint specified' if not args
                        else 'unrecognized args: {}'.format(args[1:]), 2)
    if opts.get('-r'):
        ctx.relation(state, opts)
    if args[0] not in state['applications'][ctx.app]['bindings']:
        raise ToolError('no network config found for binding "{}"'.format(
            args[0]))
    address = state['units'][ctx.unit]['address']
    info = network_info(address)
    for flag, value in (('--primary-address', address),
                        ('--bind-address', address),
                        ('--ingress-address', address),
                        ('--egress-subnets', info['egress-subnets'])):
        if opts.get(flag):
            return write(value, opts)
    write(info, opts)


def network_info(address):
    """The document Juju 3 prints for a unit on one interface."""
    cidr = '127.0.0.0/8' if address.startswith('127.') else address + '/32'
    interface = 'lo' if address.startswith('127.') else 'eth0'
    return {
        'bind-addresses': [{
            'mac-address': '', 'interface-name': interface,
            'addresses': [{'hostname': '', 'address': address,
                           'value': address, 'cidr': cidr}],
            'macaddress': '', 'interfacename': interface,
        }],
        'egress-subnets': [address + '/32'],
        'ingress-addresses': [address],
    }


def port_spec(text):
    """Normalise ``8989``, ``8989/TCP``, ``8000-8010/udp``, ``icmp``."""
    text = text.lower()
    if text == 'icmp':
        return text
    match = PORT_SPEC.match(text)
    if not match:
        raise ToolError('invalid port "{}"'.format(text), 2)
    low, high, proto = match.groups()
    if not 0 < int(low) < 65536 or (high and int(high) < int(low)):
        raise ToolError('invalid port range "{}"'.format(text), 2)
    return '{}{}/{}'.format(low, '-' + high if high else '', proto or 'tcp')


def change_ports(ctx, args, opening):
    if len(args) != 1:
        raise ToolError('expected one port or range', 2)
    spec = port_spec(args[0])
    with ctx.model.edit() as state:
        ports = set(state['units'][ctx.unit]['ports'])
        if opening:
            ports.add(spec)
        else:
            ports.discard(spec)
        state['units'][ctx.unit]['ports'] = sorted(ports)


def opened_ports(ctx, opts, args):
    write(ctx.model.read()['units'][ctx.unit]['ports'], opts)


def application_version_set(ctx, opts, args):
    if len(args) != 1:
        raise ToolError('no version specified' if not args
                        else 'unrecognized args: {}'.format(args[1:]), 2)
    with ctx.model.edit() as state:
        state['applications'][ctx.app]['version'] = args[0]


def action_get(ctx, opts, args):
    value = ctx.action_record(ctx.model.read())['params']
    if args:
        for part in args[0].split('.'):
            value = value.get(part) if isinstance(value, dict) else None
    write(value, opts)


def action_set(ctx, opts, args):
    if not args:
        raise ToolError('no key=value pairs specified', 2)
    pairs = []
    for item in args:
        key, eq, value = item.partition('=')
        parts = key.split('.')
        if not eq or not all(ACTION_KEY.match(p) for p in parts):
            raise ToolError(
                'key "{}" must start and end with lowercase alphanumeric, '
                'and contain only lowercase alphanumeric, hyphens and '
                'periods'.format(key), 2)
        if parts[0] in RESERVED_ACTION_KEYS:
            raise ToolError('cannot set reserved action key "{}"'.format(
                parts[0]))
        pairs.append((parts, value))
    with ctx.model.edit() as state:
        results = ctx.action_record(state)['results']
        for parts, value in pairs:
            node = results
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
            node[parts[-1]] = value


def action_fail(ctx, opts, args):
    with ctx.model.edit() as state:
        record = ctx.action_record(state)
        record['status'] = 'failed'
        record['message'] = (' '.join(args) if args
                             else 'action failed without reason given')


def action_log(ctx, opts, args):
    if not args:
        raise ToolError('no message specified', 2)
    with ctx.model.edit() as state:
        ctx.action_record(state)['log'].append(
            {'timestamp': time.time(), 'message': ' '.join(args)})


def goal_state(ctx, opts, args):
    state = ctx.model.read()
    since = time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())
    units = {u: {'status': 'active', 'since': since}
             for u in state['applications'][ctx.app]['units']}
    relations = {}
    for _rel_id, relation in m.relations_of(state, ctx.app):
        endpoint = m.local_side(relation, ctx.app)['endpoint']
        other = m.remote_app(relation, ctx.app)
        goal = relations.setdefault(endpoint, {})
        if other != ctx.app:
            goal[other] = {'status': 'joined', 'since': since}
        for unit in state['applications'][other]['units']:
            goal[unit] = {'status': 'active', 'since': since}
    write({'units': units, 'relations': relations}, opts)


HANDLERS = {
    'config-get': config_get,
    'relation-get': relation_get,
    'relation-set': relation_set,
    'relation-ids': relation_ids,
    'relation-list': relation_list,
    'leader-get': leader_get,
    'leader-set': leader_set,
    'is-leader': is_leader,
    'status-set': status_set,
    'status-get': status_get,
    'juju-log': juju_log,
    'unit-get': unit_get,
    'network-get': network_get,
    'open-port': lambda ctx, opts, args: change_ports(ctx, args, True),
    'close-port': lambda ctx, opts, args: change_ports(ctx, args, False),
    'opened-ports': opened_ports,
    'application-version-set': application_version_set,
    'action-get': action_get,
    'action-set': action_set,
    'action-fail': action_fail,
    'action-log': action_log,
    'goal-state': goal_state,
}


def usage(tool):
    options = ' '.join(sorted(OPTIONS[tool]))
    return USAGE.get(tool, 'Usage: {} [options] ...\noptions: {} --format '
                     '(json|yaml|smart)\n'.format(tool, options))


def main(tool, argv, environ=os.environ):
    trace = environ.get('LOCAL_JUJU_TRACE')
    if trace:  # measuring: record each call's duration
        started = time.monotonic()
        code = run(tool, argv, environ)
        with open(trace, 'a') as out:
            out.write('{} {:.4f}\n'.format(tool, time.monotonic() - started))
        return code
    return run(tool, argv, environ)


def run(tool, argv, environ):
    try:
        opts, args = parse(tool, argv)
        if opts.get('--help') or opts.get('-h'):
            sys.stdout.write(usage(tool))
            return 0
        HANDLERS[tool](Context(environ), opts, args)
    except ToolError as error:
        sys.stderr.write('ERROR {}\n'.format(error))
        return error.code
    return 0


def install(bin_dir, python=sys.executable):
    """Make ``bin_dir`` hold one executable per tool, for the hook's PATH.

    All tools are symlinks to one launcher that dispatches on its name;
    -I keeps the charm's PYTHONPATH and venv out of the emulator; -S
    skips site initialisation (a third of a tool's start-up), so the one
    directory holding PyYAML is put on the path explicitly.
    """
    import yaml
    os.makedirs(bin_dir, exist_ok=True)
    launcher = os.path.join(bin_dir, 'juju-hook-tool')
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    yaml_dir = os.path.dirname(os.path.dirname(os.path.abspath(
        yaml.__file__)))
    text = ('#!{} -IS\nimport os, sys\nsys.path[:0] = [{!r}, {!r}]\n'
            'from local.hooktools import main\n'
            'sys.exit(main(os.path.basename(sys.argv[0]), sys.argv[1:]))\n'
            ).format(python, root, yaml_dir)
    current = None
    if os.path.exists(launcher):
        with open(launcher) as existing:
            current = existing.read()
    if current != text:
        with open(launcher + '.tmp', 'w') as out:
            out.write(text)
        os.chmod(launcher + '.tmp', 0o755)
        os.replace(launcher + '.tmp', launcher)
    for tool in TOOLS:
        path = os.path.join(bin_dir, tool)
        if not os.path.islink(path):
            os.symlink('juju-hook-tool', path)
    return bin_dir
