"""Figures of a run (local/figures.py): recorded as JSON, shown as
generated Markdown, and the docs' blocks exactly what the committed JSON
gives, so no figure in the docs is typed by hand."""

import datetime
import json
import os

import pytest

from local import figures

WHEN = datetime.datetime(2027, 1, 5, 9, 30, 0,
                         tzinfo=datetime.timezone.utc)
WHERE = {'nproc': 2, 'memory GiB': 7.8, 'kernel': '6.1.0-18-amd64',
         'os': 'Debian GNU/Linux 12 (bookworm)'}


def a_run(directory, suite='func-local', when=WHEN, dirty=False):
    return figures.Run(suite, str(directory), now=when, where=WHERE,
                       commit=('0123456789abcdef0123', dirty))


def test_a_run_is_written_at_every_record_and_keeps_the_order(tmp_path):
    run = a_run(tmp_path)
    story = 'local/tests/test_mistral_faults.py::test_a_unit_losing_power'
    run.record(story, {'SUCCESS': 30, 'ERROR': 0})
    assert run.path == str(tmp_path / 'func-local-20270105T093000Z.json')
    run.record(story, {'seconds to done': 61.7})
    run.record('other', {'x': 'a b'})
    data = json.load(open(run.path))
    assert data == {
        'suite': 'func-local', 'date': '2027-01-05T09:30:00Z',
        'commit': '0123456789abcdef0123', 'uncommitted changes': False,
        'machine': WHERE,
        'stories': {story: {'SUCCESS': 30, 'ERROR': 0,
                            'seconds to done': 61.7},
                    'other': {'x': 'a b'}}}
    assert list(data['stories'][story]) == ['SUCCESS', 'ERROR',
                                            'seconds to done']
    assert os.listdir(tmp_path) == [os.path.basename(run.path)]


def test_record_names_the_running_test_and_one_file_per_suite(
        tmp_path, monkeypatch):
    monkeypatch.setenv('LOCAL_FIGURES_DIR', str(tmp_path))
    monkeypatch.setattr(figures, 'RUNS', {})
    monkeypatch.setenv('PYTEST_CURRENT_TEST',
                       'local/tests/test_mistral_ha.py::test_vip (call)')
    figures.record({'VIP moved after (s)': 3.5})
    figures.record({'requests answered': 597})
    figures.record({'executions/s': 1.37}, story='worker-multiplier 1',
                   suite='bench.throughput')
    runs = {json.load(open(tmp_path / name))['suite']:
            json.load(open(tmp_path / name))['stories']
            for name in os.listdir(tmp_path)}
    assert runs == {
        'func-local': {'local/tests/test_mistral_ha.py::test_vip': {
            'VIP moved after (s)': 3.5, 'requests answered': 597}},
        'bench.throughput': {'worker-multiplier 1': {'executions/s': 1.37}}}
    monkeypatch.delenv('PYTEST_CURRENT_TEST')
    with pytest.raises(ValueError):
        figures.record({'x': 1})


def test_the_machine_and_commit_are_read_from_this_one():
    found = figures.machine()
    assert set(found) == {'nproc', 'memory GiB', 'kernel', 'os'}
    assert found['nproc'] >= 1 and found['memory GiB'] > 0
    assert figures.git_commit('/') == (None, None)


TABLE = """\
Run of 2027-01-05 09:30:00 UTC at commit 0123456789ab with uncommitted \
changes, on 2 CPUs, 7.8 GiB, Linux 6.1.0-18-amd64, Debian GNU/Linux 12 \
(bookworm) (`docs/figures/x.json`).

test_mistral_faults.py:

| story | figure | value |
|---|---|---|
| a unit losing power | SUCCESS | 30 |
|  | seconds to done | 61.7 |
| the leader losing power | SUCCESS | 29 |

| story | figure | value |
|---|---|---|
| worker-multiplier 0.5 | executions/s | 0.91 |
|  | processes | 1 \\| 1 |
"""


def test_a_run_as_markdown(tmp_path):
    run = a_run(tmp_path, dirty=True)
    faults = 'local/tests/test_mistral_faults.py::test_'
    run.record(faults + 'a_unit_losing_power',
               {'SUCCESS': 30, 'seconds to done': 61.7})
    run.record(faults + 'the_leader_losing_power', {'SUCCESS': 29})
    run.record('worker-multiplier 0.5',
               {'executions/s': 0.9100000001, 'processes': '1 | 1'})
    assert figures.table(run.data, 'docs/figures/x.json') == TABLE


PAGE = """\
# Figures

<!-- figures:func-local -->
typed by hand
<!-- /figures -->

<!-- figures:bench.hooks -->
<!-- /figures -->
"""


def test_blocks_come_from_the_latest_published_run_of_their_suite(
        tmp_path):
    docs = tmp_path / 'docs'
    docs.mkdir()
    (docs / 'page.md').write_text(PAGE)
    assert figures.update_docs(str(tmp_path), check=True) == [
        'docs/page.md']
    assert figures.update_docs(str(tmp_path)) == ['docs/page.md']
    assert (docs / 'page.md').read_text() == PAGE.replace(
        'typed by hand\n', figures.NO_RUN).replace(
        'hooks -->\n', 'hooks -->\n' + figures.NO_RUN)
    older = a_run(tmp_path / 'build', when=WHEN - datetime.timedelta(1))
    older.record('s', {'n': 1})
    newer = a_run(tmp_path / 'build')
    newer.record('s', {'n': 2})
    figures.publish([older.path], str(tmp_path))
    assert figures.publish([newer.path], str(tmp_path)) == ['docs/page.md']
    published = os.path.join('docs', 'figures',
                             os.path.basename(newer.path))
    assert os.listdir(docs / 'figures') == [os.path.basename(newer.path)]
    text = (docs / 'page.md').read_text()
    assert figures.table(newer.data, published) in text
    assert 'bench.hooks -->\n' + figures.NO_RUN in text
    assert figures.update_docs(str(tmp_path), check=True) == []
    # a figure edited by hand is found
    (docs / 'page.md').write_text(text.replace('| 2 |', '| 3 |'))
    assert figures.update_docs(str(tmp_path), check=True) == [
        'docs/page.md']


def test_the_committed_docs_hold_exactly_the_generated_figures():
    blocks = [page for page in figures.pages()
              if figures.BLOCK.search(open(page).read())]
    assert blocks, 'no page holds a figures block'
    assert figures.update_docs(check=True) == [], \
        'run: python3 -m local.figures docs'


def test_the_command_line(tmp_path, capsys):
    run = a_run(tmp_path)
    run.record('s', {'n': 1})
    assert figures.main(['table', run.path]) == 0
    assert '| s | n | 1 |' in capsys.readouterr().out
    assert figures.main(['tables']) == 2
