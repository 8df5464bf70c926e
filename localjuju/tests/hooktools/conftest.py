"""The hand-made model the hook tool tests run against."""

import pytest

from localjuju import model as m


@pytest.fixture
def model(state_root):
    """toy/0 (leader) and toy/1, related to toydb/0 on db:1."""
    mdl = m.Model('test', state_root)
    with mdl.edit() as state:
        state['applications']['toy'] = {
            'units': ['toy/0', 'toy/1'], 'leader': 'toy/0',
            'leader-settings': {'token': 'abc'}, 'version': '',
            'status': None, 'bindings': ['cluster', 'db', 'public'],
            'config': {'greeting': 'hi', 'port': 8989, 'debug': False,
                       'unset': None}}
        state['applications']['toydb'] = {
            'units': ['toydb/0'], 'provider': 'toydb', 'leader': 'toydb/0',
            'leader-settings': {}, 'config': {}, 'bindings': []}
        for unit in ('toy/0', 'toy/1', 'toydb/0'):
            state['units'][unit] = {
                'address': '127.0.0.1', 'ports': [], 'relations': {},
                'workload': {'status': 'unknown', 'message': ''}}
        state['units']['toy/0']['relations']['1'] = {
            'joined': {'toydb/0': None}}
        state['relations']['1'] = {
            'endpoints': [
                {'application': 'toy', 'endpoint': 'db',
                 'role': 'requires', 'interface': 'toydb'},
                {'application': 'toydb', 'endpoint': 'db',
                 'role': 'provides', 'interface': 'toydb'}],
            'units': {u: m.automatic_settings('127.0.0.1')
                      for u in ('toy/0', 'toy/1', 'toydb/0')},
            'apps': {'toy': {}, 'toydb': {'version': '1'}}}
        state['relations']['1']['units']['toydb/0']['password'] = 'pw'
        state['actions']['7'] = {'params': {'name': 'bob', 'deep': {
            'x': 1}}, 'results': {}, 'status': 'running', 'message': '',
            'log': []}
    return mdl
