"""Which two endpoints `relate A[:x] B[:y]` joins: a charm application's
and a provider's, or two charm applications', matched by interface and
opposite roles."""

import collections

from localjuju.charmdir import OPPOSITE
from localjuju.errors import OperationError

Pairing = collections.namedtuple(
    'Pairing', 'app endpoint spec other other_endpoint provider_cls')


def resolve(state, registry, charm_of, left, right):
    """Match ``app[:endpoint]`` x2 (either order) to a Pairing: the charm
    side, then the provider side. ``charm_of(state, app)`` reads a charm
    application's Charm."""
    (app_a, _, ep_a), (app_b, _, ep_b) = (left.partition(':'),
                                          right.partition(':'))
    if app_b not in state['applications'] and app_a in registry:
        (app_a, ep_a), (app_b, ep_b) = (app_b, ep_b), (app_a, ep_a)
    if app_a not in state['applications']:
        raise OperationError('application "{}" not found'.format(app_a))
    if _is_charm(state, app_b):
        return _charms(state, charm_of, app_a, ep_a, app_b, ep_b)
    provider_cls = registry.get(
        state['applications'].get(app_b, {}).get('provider', app_b))
    if provider_cls is None:
        raise OperationError('no provider for "{}" (known: {})'.format(
            app_b, ', '.join(sorted(registry)) or 'none'))
    charm = charm_of(state, app_a)
    candidates = {name: spec for name, spec in charm.endpoints().items()
                  if spec['interface'] == provider_cls.interface
                  and spec['role'] != 'peer'
                  and (not ep_a or name == ep_a)}
    if len(candidates) != 1:
        raise OperationError(
            'cannot relate {} to {}: {} endpoints of interface {}'
            .format(left, right, len(candidates) or 'no',
                    provider_cls.interface))
    endpoint, spec = candidates.popitem()
    return Pairing(app_a, endpoint, spec, app_b, ep_b or endpoint,
                   provider_cls)


def sides(pairing):
    """The two endpoint records of the relation a Pairing makes."""
    interface = pairing.spec['interface']
    return [dict(application=pairing.app, endpoint=pairing.endpoint,
                 role=pairing.spec['role'], interface=interface),
            dict(application=pairing.other,
                 endpoint=pairing.other_endpoint,
                 role=OPPOSITE[pairing.spec['role']], interface=interface)]


def container_scoped(pairing):
    return pairing.spec.get('scope') == 'container'


def _is_charm(state, app):
    record = state['applications'].get(app)
    return record is not None and not record.get('provider')


def _charms(state, charm_of, app_a, ep_a, app_b, ep_b):
    """Two charm applications: the one pair of endpoints of one interface
    and opposite roles (provides/requires)."""
    ours, theirs = (charm_of(state, app).endpoints() for app in (app_a,
                                                                 app_b))
    pairs = [(a, b) for a, spec_a in ours.items()
             for b, spec_b in theirs.items()
             if spec_a['interface'] == spec_b['interface']
             and spec_a['role'] != 'peer'
             and OPPOSITE[spec_a['role']] == spec_b['role']
             and (not ep_a or a == ep_a) and (not ep_b or b == ep_b)]
    if len(pairs) != 1:
        raise OperationError('cannot relate {}{} to {}{}: {} matching '
                             'endpoint pairs'.format(
                                 app_a, ':' + ep_a if ep_a else '', app_b,
                                 ':' + ep_b if ep_b else '',
                                 len(pairs) or 'no'))
    a, b = pairs[0]
    spec = dict(ours[a])
    if theirs[b]['scope'] == 'container':
        spec['scope'] = 'container'     # either side's makes it so
    return Pairing(app_a, a, spec, app_b, b, None)
