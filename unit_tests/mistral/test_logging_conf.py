"""Each daemon's logging file, as the charm renders it, loaded the way
oslo.log loads --log-config-append (logging.config.fileConfig) in a
Python of its own: a record reaches both the daemon's log file and
stderr, which systemd hands to the journal."""

import re
import subprocess
import sys

import pytest

from charm.openstack import mistral

LOG = '''
import logging
import logging.config
import sys
logging.config.fileConfig(sys.argv[1], disable_existing_loggers=False)
logging.getLogger('mistral.engine').warning('engine %s', 'ready')
'''


@pytest.fixture
def logged(unit, tmp_path, monkeypatch):
    """(the daemon's log file, stderr) after mistral-engine logs one
    warning through its rendered logging file."""
    log_dir = tmp_path / 'log'
    log_dir.mkdir()
    monkeypatch.setattr(mistral, 'LOG_DIR', str(log_dir))
    monkeypatch.setattr(mistral, 'WF_TRACE_LOG', str(log_dir / 'wf.log'))
    unit.relate_all()
    charm = unit.charm()
    charm.converge()
    ran = subprocess.run(
        [sys.executable, '-I', '-c', LOG,
         charm.logging_conf.format('mistral-engine')],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    return (log_dir / 'mistral-engine.log').read_text(), ran.stderr


def test_a_record_reaches_the_log_file_and_the_journal(logged):
    log_file, stderr = logged
    assert 'WARNING mistral.engine [-] engine ready' in log_file
    # journald stamps each line itself
    assert stderr == 'WARNING mistral.engine [-] engine ready\n'


def test_the_log_file_gives_milliseconds_once(logged):
    log_file, _ = logged
    assert re.match(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ WARNING '
                    r'mistral\.engine \[-\] engine ready\n$', log_file), \
        log_file
