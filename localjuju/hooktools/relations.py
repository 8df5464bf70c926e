"""relation-get, relation-set, relation-ids, relation-list.

What a hook sets is held in its context and published by the runner only
when the hook succeeds, as Juju does; the hook itself reads its own
unpublished changes.
"""

from localjuju import model as m
from localjuju.hooktools.context import merged, pick, read_settings
from localjuju.hooktools.grammar import (
    FLAG, VALUE, Tool, ToolError, check_empty, init_error, printing)
from localjuju.hooktools.output import write


def relation_get(ctx, opts, args):
    state = ctx.model.read()
    rel_id = ctx.relation(state, opts)
    relation = state['relations'][str(rel_id)]
    check_empty(args[2:])
    app_wide = opts.get('--app') or (
        len(args) < 2 and not ctx.remote_unit and ctx.remote_app)
    who = args[1] if len(args) > 1 else (
        ctx.remote_app if app_wide else ctx.remote_unit)
    if not who:
        raise init_error('no unit or application specified')
    if app_wide:
        who = m.app_of(who) if '/' in who else who
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
    data = relation['units'].get(who)
    if data is None and who == ctx.remote_unit:
        # the unit departing in this -departed hook: its last settings
        data = relation.get('departed', {}).get(who)
    if data is None:
        raise ToolError('cannot read settings for unit "{}" in relation '
                        '{}: settings not found'.format(who, rel_id))
    if who == ctx.unit:
        data = merged(data, (ctx.pending(state, rel_id) or {})
                      .get('unit', {}))
    write(pick(data, args), opts)


def relation_set(ctx, opts, args):
    ctx.relation(ctx.model.read(), opts)  # Init: a relation id first
    settings = read_settings(opts, args)
    with ctx.model.edit() as state:
        rel_id = ctx.relation(state, opts)
        scope = 'app' if opts.get('--app') else 'unit'
        if scope == 'app' and not ctx.is_leader(state):
            raise ToolError('cannot write relation settings')
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
        raise init_error('no relation name specified')
    check_empty(args[1:])
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
    check_empty(args)
    relation = state['relations'][str(rel_id)]
    if opts.get('--app'):
        return write(m.remote_app(relation, ctx.app), opts)
    seen = state['units'][ctx.unit]['relations'].get(str(rel_id), {})
    write(sorted(seen.get('joined', {})), opts)


RELATION_SET_USAGE = (
    'relation-set [options] key=value [key=value ...]\n'
    '  --app  set application data (leader only)\n'
    '  --file  file containing key-value pairs (- = stdin)\n'
    '  -r, --relation  relation id\n')

TOOLS = {
    'relation-get': printing(relation_get, {'-r': VALUE, '--app': FLAG}),
    'relation-set': Tool(relation_set, {'-r': VALUE, '--app': FLAG,
                                        '--file': VALUE, '--format': VALUE},
                         RELATION_SET_USAGE),
    'relation-ids': printing(relation_ids),
    'relation-list': printing(relation_list, {'-r': VALUE, '--app': FLAG}),
}
