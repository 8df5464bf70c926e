"""How many processes worker-multiplier runs: API workers as the official
charms count them, engines and executors capped, and no more than the
unit's memory holds."""

import configparser

import pytest

from openstack_base import charm as base_charm


@pytest.fixture
def machine(monkeypatch):
    """The unit's CPUs and memory (MiB), as the test sets them."""
    found = {'cpus': 2, 'mib': 16384}
    monkeypatch.setattr(base_charm, 'usable_cpus', lambda: found['cpus'])
    monkeypatch.setattr(base_charm, 'memory_mib', lambda: found['mib'])
    return found


def api_workers(unit):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(unit.conf)
    return int(parser['api']['api_workers'])


def running(unit, kind):
    return sorted(n for n in unit.init.running
                  if n.startswith('mistral-{}'.format(kind)))


@pytest.mark.parametrize('cpus,multiplier,api,engines,executors', [
    (2, None, 4, 2, 1),     # unset: CPUs x 2, at most 4
    (1, None, 2, 2, 1),
    (96, None, 4, 2, 1),    # a container seeing its host's threads
    (96, 0.25, 24, 4, 4),   # the bundles' value on such a host
    (8, 0.5, 4, 4, 4),
    (4, 0.1, 1, 1, 1),      # at least one
    (4, 0, 1, 1, 1),
])
def test_worker_multiplier_counts(unit, machine, cpus, multiplier, api,
                                  engines, executors):
    machine['cpus'] = cpus
    unit.relate_all()
    unit.charm(**{'worker-multiplier': multiplier}).converge()
    assert api_workers(unit) == api
    assert len(running(unit, 'engine')) == engines
    assert len(running(unit, 'executor')) == executors


def test_more_processes_than_memory_holds_block_and_change_nothing(
        unit, machine):
    machine.update(cpus=96, mib=4096)
    unit.relate_all()
    unit.charm().converge()
    before = open(unit.conf).read()
    unit.init.forget()
    charm = unit.charm(**{'worker-multiplier': 0.25})
    charm.converge()
    # 1 + 24 API processes, 4 engines, 4 executors, the event engine and
    # the cron trigger process's 2
    assert charm.workload_status() == (
        'blocked', "Invalid config: worker-multiplier: 0.25 x 96 CPUs runs "
        "36 processes of about 128 MiB each (4608 MiB), more than the "
        "unit's 4096 MiB")
    assert unit.init.calls == [] and open(unit.conf).read() == before
    machine['mib'] = 8192
    assert charm.config_problems() == []


def test_unset_multiplier_is_never_refused_for_memory(unit, machine):
    machine.update(cpus=96, mib=512)
    assert unit.charm(**{'worker-multiplier': None}).config_problems() == []


def test_memory_is_memtotal(tmp_path):
    meminfo = tmp_path / 'meminfo'
    meminfo.write_text('MemTotal:        4028580 kB\n'
                       'MemFree:          122680 kB\n')
    assert base_charm.memory_mib(str(meminfo)) == 3934
