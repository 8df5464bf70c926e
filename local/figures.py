"""Figures of a run, recorded as data and shown as generated tables.

A func-local story or a bench/ script records the figures it measured::

    from local import figures
    figures.record({'SUCCESS': 30, 'seconds to done': 62})    # a story
    figures.record({'executions/s': 1.37}, story='worker-multiplier 1',
                   suite='bench.throughput')

Each suite's run goes to one JSON file, build/figures/<suite>-<UTC start
time>.json (``$LOCAL_FIGURES_DIR`` elsewhere), rewritten at every record
so that a run cut short keeps what it measured: when and where it ran
(CPUs, memory, kernel, OS), the git commit, and each story's figures in
the order recorded. A story defaults to the pytest test running.

    python3 -m local.figures table FILE...    # Markdown tables, stdout
    python3 -m local.figures publish FILE...  # into docs/figures/, docs
    python3 -m local.figures docs [--check]   # regenerate the docs blocks

The docs hold each suite's latest published run between
``<!-- figures:SUITE -->`` and ``<!-- /figures -->``, made by this module
only: unit_tests/test_figures.py fails when a block differs from what
the committed JSON gives.
"""

import datetime
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_DIR = os.path.join(REPO, 'build', 'figures')
DOCS_FIGURES = 'docs/figures'       # in the repository
# The pages that may hold generated blocks.
PAGES = ['README.md', 'CONTRIBUTING.md', 'docs/*.md', 'bench/README.md']
BLOCK = re.compile(r'(?P<start><!-- figures:(?P<suite>[\w.-]+) -->\n)'
                   r'.*?(?P<end><!-- /figures -->)', re.S)
NO_RUN = 'No recorded run yet.\n'
USAGE = '''usage: python3 -m local.figures table FILE...
       python3 -m local.figures publish FILE...
       python3 -m local.figures docs [--check]'''


def machine():
    """What the figures depend on: CPUs, memory, kernel, OS."""
    with open('/proc/meminfo') as meminfo:
        kib = int(next(line for line in meminfo
                       if line.startswith('MemTotal:')).split()[1])
    return {'nproc': len(os.sched_getaffinity(0)),
            'memory GiB': round(kib / 2 ** 20, 1),
            'kernel': platform.release(),
            'os': platform.freedesktop_os_release().get('PRETTY_NAME', '')}


def git_commit(repo=REPO):
    """(commit, whether the tree has uncommitted changes); (None, None)
    outside a git checkout."""
    def git(*args):
        return subprocess.run(['git', '-C', repo] + list(args),
                              capture_output=True, text=True)
    head = git('rev-parse', 'HEAD')
    if head.returncode:
        return None, None
    status = git('status', '--porcelain', '--untracked-files=no')
    return head.stdout.strip(), bool(status.stdout.strip())


class Run:
    """One suite's run: its figures, and the JSON file they go to."""

    def __init__(self, suite, directory=None, now=None, where=None,
                 commit=None):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        commit, dirty = commit or git_commit()
        self.data = {'suite': suite,
                     'date': now.strftime('%Y-%m-%dT%H:%M:%SZ'),
                     'commit': commit, 'uncommitted changes': dirty,
                     'machine': where or machine(),
                     'stories': {}}
        self.path = os.path.join(
            directory or os.environ.get('LOCAL_FIGURES_DIR', BUILD_DIR),
            '{}-{}.json'.format(suite, now.strftime('%Y%m%dT%H%M%SZ')))

    def record(self, story, values):
        self.data['stories'].setdefault(story, {}).update(values)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path + '.new', 'w') as out:
            json.dump(self.data, out, indent=1)
            out.write('\n')
        os.replace(self.path + '.new', self.path)


RUNS = {}


def current_test():
    """The pytest test running, as path::name."""
    running = os.environ.get('PYTEST_CURRENT_TEST')
    if not running:
        raise ValueError('no story named and no pytest test running')
    return running.rsplit(' (', 1)[0]


def record(values, story=None, suite='func-local'):
    """Record {figure name: number or short text} for a story of this
    process's run of ``suite``."""
    if suite not in RUNS:
        RUNS[suite] = Run(suite)
    RUNS[suite].record(story or current_test(), values)


# --- Markdown ---------------------------------------------------------------
def shown(value):
    if isinstance(value, float):
        value = '{:.2f}'.format(value).rstrip('0').rstrip('.')
    return str(value).replace('|', '\\|')


def story_title(story):
    """path::test_some_thing -> (path, 'some thing'); a named story is
    its own title."""
    path, _, name = story.rpartition('::')
    if name.startswith('test_'):
        name = name[len('test_'):].replace('_', ' ')
    return path, name


def run_header(data, source):
    where = data['machine']
    commit = (data['commit'] or 'unknown')[:12]
    if data['uncommitted changes']:
        commit += ' with uncommitted changes'
    when = data['date'].replace('T', ' ').rstrip('Z')
    return 'Run of {} UTC at commit {}, on {} CPUs, {} GiB, Linux {}, {} ' \
        '(`{}`).'.format(when, commit, where['nproc'], where['memory GiB'],
                         where['kernel'], where['os'], source)


def table(data, source):
    """A run as Markdown: its header, then one table per test module (or
    one for named stories): story, figure, value."""
    lines = [run_header(data, source)]
    groups = {}
    for story, values in data['stories'].items():
        path, title = story_title(story)
        groups.setdefault(path, []).append((title, values))
    for path, stories in groups.items():
        lines.append('')
        if path:
            lines.append('{}:\n'.format(os.path.basename(path)))
        lines += ['| story | figure | value |', '|---|---|---|']
        for title, values in stories:
            for n, (name, value) in enumerate(values.items()):
                lines.append('| {} | {} | {} |'.format(
                    title if n == 0 else '', name, shown(value)))
    return '\n'.join(lines) + '\n'


def load(path):
    with open(path) as source:
        return json.load(source)


def latest(suite, directory):
    """The newest run of a suite in a directory, or None."""
    runs = [(data['date'], path) for path, data in (
        (p, load(p)) for p in glob.glob(
            os.path.join(directory, '{}-*.json'.format(suite))))
        if data['suite'] == suite]
    return max(runs)[1] if runs else None


def regenerate(text, repo=REPO):
    """A page's text with every figures block made anew from the runs
    published in the repository's docs/figures/."""
    def body(suite):
        path = latest(suite, os.path.join(repo, DOCS_FIGURES))
        return table(load(path), os.path.relpath(path, repo)) \
            if path else NO_RUN
    return BLOCK.sub(lambda m: m.group('start') + body(m.group('suite')) +
                     m.group('end'), text)


def pages(repo=REPO):
    return sorted(p for pattern in PAGES
                  for p in glob.glob(os.path.join(repo, pattern)))


def update_docs(repo=REPO, check=False):
    """Regenerate every page's blocks (only compare, with check); the
    pages that differed."""
    stale = []
    for page in pages(repo):
        with open(page) as source:
            text = source.read()
        new = regenerate(text, repo)
        if new != text:
            stale.append(os.path.relpath(page, repo))
            if not check:
                with open(page, 'w') as out:
                    out.write(new)
    return stale


def publish(paths, repo=REPO):
    """Copy runs into docs/figures/, replacing older runs of the same
    suite, and regenerate the docs; the pages changed."""
    directory = os.path.join(repo, DOCS_FIGURES)
    os.makedirs(directory, exist_ok=True)
    for path in paths:
        suite = load(path)['suite']
        target = os.path.join(directory, os.path.basename(path))
        for old in glob.glob(os.path.join(directory, suite + '-*.json')):
            if load(old)['suite'] == suite and old != target:
                os.remove(old)
        if os.path.abspath(path) != target:
            shutil.copy(path, target)
    return update_docs(repo)


def main(argv):
    command, args = (argv[0], argv[1:]) if argv else ('', [])
    if command == 'table' and args:
        print('\n'.join(table(load(p), p) for p in args), end='')
    elif command == 'publish' and args:
        print(''.join(page + '\n' for page in publish(args)), end='')
    elif command == 'docs' and args in ([], ['--check']):
        stale = update_docs(check=bool(args))
        print(''.join(page + '\n' for page in stale), end='')
        return 1 if stale and args else 0
    else:
        print(USAGE, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
