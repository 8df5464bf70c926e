"""What a provider may answer on a relation: strings only, as Juju holds
relation data. No root."""

import pytest

from localjuju.provider import RelationView


def test_relation_data_from_a_provider_must_be_strings():
    view = RelationView(1, 'db', {}, {}, ['db/0'])
    view.set_unit('db/0', {'host': '10.0.0.1', 'port': '5432'})
    assert view.unit_updates == {'db/0': {'host': '10.0.0.1',
                                          'port': '5432'}}
    for bad in ({'port': 5432}, {'ssl': True}, {'hosts': ['a']},
                {'gone': None}):
        with pytest.raises(TypeError, match='must be strings: {} '.format(
                list(bad)[0])):
            view.set_unit('db/0', dict(bad, host='h'))
        with pytest.raises(TypeError):
            view.set_app(bad)
    # the message names the key and type, never the value (a password)
    with pytest.raises(TypeError) as refused:
        view.set_app({'password': b's3cret'})
    assert 's3cret' not in str(refused.value)
