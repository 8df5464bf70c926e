"""The docs name only what exists.

The pages (PAGES: README.md, CONTRIBUTING.md, bench/README.md,
docs/*.md) are read as Markdown: inline code spans, links, table rows,
and the command lines of fenced blocks. A name is checked when its form
says what it is:

1. Links: a relative link's file exists, and its #anchor is a heading
   of that file.
2. Paths: a span (or a command's argument) with a "/", relative, not a
   URL nor a unit (``mistral/0``), is a file or directory from the
   repository's root, on every page; ``*`` and ``<name>`` stand for any
   one part; ``path::test`` names a test in that file. What the tools
   make (build/, .tox/, .venv-tox/) is not checked.
3. File names: a span ``name.py`` / ``.yaml`` / ``.yml`` / ``.md`` /
   ``.ini`` is a file somewhere in the repository.
4. Python: a dotted span whose first part is one of our packages
   (PACKAGES), a module of openstack_base or charm.openstack
   (``services.run_or_stop``) or a class of theirs resolves, by parsing
   the source, to a module, or a function, class or constant in it, or
   a member of such a class; ``charm.<name>`` is also a member of the
   charm class (OpenStackCharm, MistralCharm). A trailing ``()`` is
   allowed; a span ending in a file extension is a file name (3).
5. Options: the keys of ``juju config mistral k=v k2``, a span ``k=v``
   (an option or an action's param), a span followed by the word
   "option", and the first column of a table headed "option".
6. Actions: ``juju run mistral/N <action> k=v`` (or ``python3 -m local
   run``: action and params), a span followed by "action", the first
   span of the first column of a table headed "action".
7. tox envs: ``tox -e a,b`` and ``tools/run-tests -e a``; a span
   followed by "env".
8. Endpoints: ``mistral:<endpoint>`` is an endpoint of src/metadata.yaml.
9. Modules run: ``python3 -m <ours>``, ``pytest <path>[::<test>]``.
10. Status messages: a span ``<state>: <message>`` (active, blocked,
    waiting, maintenance) and the message column of a table headed
    "status | message" are messages the charm makes: a string literal of
    its code (``{}`` standing for anything) begins the message, or the
    message (``<x>`` and ``...`` standing for anything) begins one.

A span right after "→" is a name to come (a rename not yet done) and
is not checked. NOT_OURS lists names shaped like ours that belong to
others (Mistral's source files).
"""

import ast
import configparser
import functools
import glob
import os
import re
import shlex

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = sorted(os.path.relpath(p, ROOT)
              for p in glob.glob(os.path.join(ROOT, 'docs', '*.md')))
PAGES = ['README.md', 'CONTRIBUTING.md', 'bench/README.md'] + DOCS
# Every page, and the harness's and emulator's READMEs, are reached
# from the README.
LINKED_FROM_README = PAGES[1:] + ['local/README.md', 'localjuju/README.md']
README_MAX_LINES = 250
NOT_OURS = {'policies.py', 'tasks.py', 'post_tx_queue.py',
            'task_handler.py', 'action_heartbeat_checker.py'}
GENERATED = ('build/', '.tox/', '.venv-tox/', '.venv/')
PACKAGES = {
    'openstack_base': 'layers/openstack-base/lib/openstack_base',
    'charm': 'src/lib/charm',
    'local': 'local', 'localjuju': 'localjuju', 'bench': 'bench',
    'hook_bootstrap': 'layers/hook-bootstrap/lib/hook_bootstrap.py',
    'openstack_base_handlers':
        'layers/openstack-base/reactive/openstack_base_handlers.py',
}
SHORT_MODULES = ['layers/openstack-base/lib/openstack_base',
                 'src/lib/charm/openstack']
CHARM_CLASSES = ['OpenStackCharm', 'MistralCharm']
CHARM_CODE = ['layers/openstack-base/lib', 'layers/openstack-base/reactive',
              'src/lib']
FILE_EXTENSIONS = {'py', 'yaml', 'yml', 'md', 'ini', 'conf', 'cfg', 'json',
                   'log', 'zip', 'txt', 'pem', 'service', 'charm', 'j2',
                   'sh', 'd', 'key', 'crt', 'html'}
CHECKED_FILE_NAME = re.compile(r'^[\w.-]+\.(py|yaml|yml|md|ini)$')
DOTTED = re.compile(r'^([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)+)(\(\))?$')
UNIT = re.compile(r'^[a-z][a-z0-9-]*/(\d+|leader|N|<[^>]+>)$')
KEY_VALUE = re.compile(r'^([a-z][a-z0-9_-]*)=(\S*)$')
STATUS = re.compile(r'^(active|blocked|waiting|maintenance): (.+)$')
ENDPOINT = re.compile(r'\bmistral:([a-z][a-z0-9-]*)')
SPAN = re.compile(r'`([^`]+)`')
FOLLOWED = re.compile(r'`([^`]+)` (option|action|env)\b')
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
TO_COME = re.compile(r'→\s*`[^`]*`')


# --- what exists ------------------------------------------------------------
def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


@functools.lru_cache(None)
def options():
    return {name for path in ('src/config.yaml',
                              'layers/openstack-base/config.yaml')
            for name in yaml.safe_load(read(path))['options']}


@functools.lru_cache(None)
def actions():
    found = {}
    for path in ('src/actions.yaml', 'layers/openstack-base/actions.yaml'):
        for name, spec in yaml.safe_load(read(path)).items():
            found[name] = set((spec or {}).get('params') or {})
    return found


@functools.lru_cache(None)
def tox_envs():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(ROOT, 'tox.ini'))
    envs = {s.split(':', 1)[1] for s in parser.sections()
            if s.startswith('testenv:')}
    return envs | set(re.split(r'[\s,]+', parser['tox']['envlist'].strip()))


@functools.lru_cache(None)
def endpoints():
    meta = yaml.safe_load(read('src/metadata.yaml'))
    return {name for kind in ('requires', 'provides', 'peers')
            for name in meta.get(kind) or {}}


@functools.lru_cache(None)
def file_names():
    found = set()
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith('.') and
                   d not in ('build', '__pycache__')]
        found.update(files)
    return found


@functools.lru_cache(None)
def parsed(path):
    return ast.parse(read(path))


def targets(node):
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def class_members(node):
    found = set()
    for item in ast.walk(node):
        if isinstance(item, (ast.FunctionDef, ast.ClassDef)):
            found.add(item.name)
        elif isinstance(item, (ast.Assign, ast.AnnAssign)):
            for target in targets(item):
                if isinstance(target, ast.Name):
                    found.add(target.id)
                elif isinstance(target, ast.Attribute) and isinstance(
                        target.value, ast.Name) and \
                        target.value.id == 'self':
                    found.add(target.attr)
    return found


@functools.lru_cache(None)
def classes():
    """{class name: (base names, members)} of the charm's code."""
    found = {}
    for top in CHARM_CODE:
        for path in glob.glob(os.path.join(ROOT, top, '**', '*.py'),
                              recursive=True):
            for node in parsed(os.path.relpath(path, ROOT)).body:
                if isinstance(node, ast.ClassDef):
                    found[node.name] = (
                        [b.id for b in node.bases if isinstance(b, ast.Name)],
                        class_members(node))
    return found


def members(name):
    bases, own = classes().get(name, ([], set()))
    return own.union(*(members(b) for b in bases))


def module_names(path):
    """{name: the ClassDef or None} defined or imported at a module's
    top level."""
    found = {}
    for node in parsed(path).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node if isinstance(node, ast.ClassDef) \
                else None
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in targets(node):
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        found[name.id] = None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found[(alias.asname or alias.name).split('.')[0]] = None
    return found


def resolves(path, parts):
    """Whether parts name something under path (a package directory or
    a module file)."""
    if not parts:
        return True
    full = os.path.join(ROOT, path)
    if os.path.isdir(full):
        for child in (parts[0] + '.py', parts[0]):
            if os.path.exists(os.path.join(full, child)):
                return resolves(os.path.join(path, child), parts[1:])
        path = os.path.join(path, '__init__.py')
        if not os.path.exists(os.path.join(ROOT, path)):
            return False
    names = module_names(path)
    if parts[0] not in names:
        return False
    rest, node = parts[1:], names[parts[0]]
    if not rest:
        return True
    return node is not None and len(rest) == 1 and \
        rest[0] in members(node.name)


@functools.lru_cache(None)
def short_modules():
    found = {}
    for directory in SHORT_MODULES:
        for path in glob.glob(os.path.join(ROOT, directory, '*.py')):
            name = os.path.basename(path)[:-3]
            found.setdefault(name, []).append(os.path.relpath(path, ROOT))
    return found


def python_problem(span):
    """Why a dotted span names nothing of ours (None: it does, or it is
    not ours)."""
    match = DOTTED.match(span)
    if not match:
        return None
    root, parts = match.group(1), match.group(2).split('.')[1:]
    if parts[-1] in FILE_EXTENSIONS:
        return None
    if root == 'charm' and len(parts) == 1 and any(
            parts[0] in members(c) for c in CHARM_CLASSES):
        return None
    if root in PACKAGES:
        places = [PACKAGES[root]]
    elif root in short_modules():
        places = short_modules()[root]
    elif root in classes():
        return None if len(parts) == 1 and parts[0] in members(root) \
            else 'no {} in class {}'.format(parts[0], root)
    else:
        return None
    if any(resolves(place, parts) for place in places):
        return None
    return 'no Python name {}.{}'.format(root, '.'.join(parts))


@functools.lru_cache(None)
def status_templates():
    """The charm's string literals as patterns: {} stands for anything."""
    found = set()
    for top in CHARM_CODE:
        for path in glob.glob(os.path.join(ROOT, top, '**', '*.py'),
                              recursive=True):
            for node in ast.walk(parsed(os.path.relpath(path, ROOT))):
                if isinstance(node, ast.Constant) and \
                        isinstance(node.value, str) and \
                        '\n' not in node.value and \
                        len(leading(node.value, r'\{[^}]*\}')) >= 4:
                    found.add(node.value)
    return found


def leading(text, placeholder):
    return re.split(placeholder, text)[0]


def as_pattern(text, placeholder):
    return '.+'.join(re.escape(p) for p in re.split(placeholder, text))


def status_problem(message):
    doc = message.strip().rstrip('.').strip()
    doc_placeholder = r'<[^>]*>|\.\.\.'
    filled = re.sub(doc_placeholder, 'X', doc)
    for template in status_templates():
        if re.match(as_pattern(template, r'\{[^}]*\}'), filled) or (
                len(leading(doc, doc_placeholder)) >= 4 and
                re.match(as_pattern(doc, doc_placeholder), template)):
            return None
    return 'no status message {!r} in the charm'.format(message)


# --- reading the pages ------------------------------------------------------
def path_problem(token):
    """Why a token shaped like a repository path names nothing there."""
    token = token.strip('\'"()[],.;:') if not token.startswith('.') \
        else token.rstrip('\'"()[],;:')
    if ('/' not in token or token.startswith(('/', '~', '$', '-', '...')) or
            '://' in token or ':' in token.replace('::', '') or
            '=' in token or '{' in token or UNIT.match(token) or
            token.startswith('./build/') or token.startswith(GENERATED)):
        return None
    path, _, test = token.partition('::')
    pattern = re.sub(r'<[^>]+>', '*', path)
    found = glob.glob(os.path.join(ROOT, pattern))
    if not found:
        return 'no file {}'.format(path)
    if test and not any(resolves(os.path.relpath(f, ROOT),
                                 test.split('::')) for f in found):
        return 'no test {} in {}'.format(test, path)
    return None


def command_problems(line):
    """Problems in one command line (a fenced block's, or a span's)."""
    line = line.strip().lstrip('$# ').split(' # ')[0]
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    found = [path_problem(w) for w in words]
    for n, word in enumerate(words):
        after = words[n + 1:]
        if word == 'juju' and after[:1] == ['config'] and \
                after[1:2] == ['mistral']:
            found += ['no option {}'.format(k.split('=')[0])
                      for k in after[2:] if not k.startswith('-') and
                      k.split('=')[0] not in options()]
        if word in ('juju', 'local') and after[:1] == ['run'] and \
                after[1:2] and after[1].split('/')[0] == 'mistral':
            found += action_problems(after[2:])
        if (word == 'tox' or word.endswith(('/tox', 'tools/run-tests'))) \
                and '-e' in after:
            envs = after[after.index('-e') + 1].split(',')
            found += ['no tox env {}'.format(e) for e in envs
                      if e not in tox_envs()]
        if word == '-m' and after and not after[0].startswith('-'):
            found.append(python_module_problem(after[0]))
    found += ['no endpoint mistral:{}'.format(e)
              for e in ENDPOINT.findall(line) if e not in endpoints()]
    return [p for p in found if p]


def python_module_problem(name):
    root, *parts = name.split('.')
    if root in PACKAGES and not resolves(PACKAGES[root], parts):
        return 'no module {}'.format(name)
    return None


def action_problems(words):
    if not words or words[0].startswith('-'):
        return []
    name, params = words[0], [w.split('=')[0] for w in words[1:]
                              if '=' in w and not w.startswith('-')]
    if name not in actions():
        return ['no action {}'.format(name)]
    return ['no param {} of action {}'.format(p, name) for p in params
            if p not in actions()[name]]


def span_problems(span):
    span = span.strip()
    if span in NOT_OURS:
        return []
    status = STATUS.match(span)
    if status:
        return [status_problem(status.group(2))] if status_problem(
            status.group(2)) else []
    if ' ' in span:
        return command_problems(span)
    key_value = KEY_VALUE.match(span)
    if key_value:
        key, value = key_value.groups()
        if key not in options() and not any(
                key in params for params in actions().values()):
            return ['no option or action param {}'.format(key)]
        return [p for p in [path_problem(value.lstrip('@'))] if p]
    if CHECKED_FILE_NAME.match(span) and span not in file_names():
        return ['no file named {}'.format(span)]
    found = [path_problem(span), python_problem(span)]
    found += ['no endpoint mistral:{}'.format(e)
              for e in ENDPOINT.findall(span) if e not in endpoints()]
    return [p for p in found if p]


def named_problems(span, kind):
    name = span.split()[0]
    known = {'option': options(), 'action': actions(),
             'env': tox_envs()}[kind]
    return [] if name in known else ['no {} {}'.format(kind, name)]


def table_problems(rows):
    """The first column of an option or action table, the message
    column of a status table."""
    header = [c.strip().lower() for c in rows[0]]
    found = []
    for cells in rows[2:]:
        if header[0] in ('option', 'action'):
            spans = SPAN.findall(cells[0])
            if spans:
                found += named_problems(spans[0], header[0])
        if header[:2] == ['status', 'message']:
            found += [status_problem(s) for s in SPAN.findall(cells[1])]
    return [p for p in found if p]


def headings(path):
    slugs = set()
    for line in read(path).splitlines():
        if line.startswith('#'):
            title = line.lstrip('#').strip().lower()
            slugs.add(re.sub(r'[^\w\- ]', '', title).replace(' ', '-'))
    return slugs


def link_problems(page, target):
    if re.match(r'^[a-z]+:', target):
        return []
    path, _, anchor = target.partition('#')
    path = os.path.normpath(os.path.join(os.path.dirname(page), path)) \
        if path else page
    if not os.path.exists(os.path.join(ROOT, path)):
        return ['no file {} (link)'.format(path)]
    if anchor and path.endswith('.md') and anchor not in headings(path):
        return ['no heading #{} in {}'.format(anchor, path)]
    return []


def checked(text):
    """The text without the spans right after "→" (names to come)."""
    return TO_COME.sub('', text)


def problems(page, text):
    """Every name the page's text gives that does not exist."""
    found, fence, rows, paragraph = [], None, [], []

    def end_block():
        if rows:
            found.extend(table_problems(rows))
        joined = checked(' '.join(paragraph))
        for span in SPAN.findall(joined):
            found.extend(span_problems(span))
        for span, kind in FOLLOWED.findall(joined):
            found.extend(named_problems(span, kind))
        for target in LINK.findall(joined):
            found.extend(link_problems(page, target))
        rows.clear()
        paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            else:
                found.extend(command_problems(checked(line)))
            continue
        if stripped.startswith(('```', '~~~')):
            end_block()
            fence = stripped[:3]
        elif not stripped:
            end_block()
        else:
            if stripped.startswith('|'):
                rows.append(stripped.strip('|').split(' | '))
            paragraph.append(stripped)
    end_block()
    return found


# --- the tests --------------------------------------------------------------
@pytest.mark.parametrize('page', PAGES)
def test_every_name_a_page_gives_exists(page):
    assert problems(page, read(page)) == []


def test_the_readme_is_short_and_links_every_page():
    text = read('README.md')
    assert len(text.splitlines()) < README_MAX_LINES
    linked = {os.path.normpath(t.partition('#')[0])
              for t in LINK.findall(text)}
    assert sorted(set(LINKED_FROM_README) - linked) == []
    assert 'docs/glossary.md' in PAGES


DRIFTED = """\
One hook's path: `charm.converge()`: `validation.problems` ->
`upgrades.available` -> `status.relation_state` -> `tls.configure`.
See `shared/design.md`, [the guide](docs/nowhere.md) and
[testing](docs/testing.md#no-such-heading); `layers/*/wheelhouse.txt`.
`juju run mistral/0 run-workflow name=x colour=red`, `juju run mistral/0
fly`, `juju run mistral-hacluster/0 pause`, the `paws` action.
`worker-multipler=2`, the `wrokflows` option, `tox -e py3,pyy3`.
`juju integrate mistral:shared-db mysql`, `mistral:dbx`.
`python3 -m local.figures`, `python3 -m local.nothing`, `policies.py`,
`nowhere.py`, `mistral.conf`, `hookenv.atexit`, `mistral_api.Mistral`.
`blocked: Missing relations: 'amqp'`, `waiting: Database not yet
migrated`, `blocked: Services not running that should be: <names>`,
`blocked: Everything is on fire`, `charm.no_such_step()`.

| option | default |
|---|---|
| `vip` | "" |
| `vipp` | "" |

| status | message |
|---|---|
| active | `Unit is ready (1 workflow)` |
| active | `Unit is fine` |

```sh
juju config mistral debug=true vip=10.0.0.1 colour=blue
tools/run-tests -e nope
pytest local/tests/test_mistral_ha.py::test_nothing
```
- `services.run_or_stop` → `services.yet_to_come`
"""


def test_the_rules_catch_each_kind_of_drift():
    # The first named is what the README said before docs/ (issue 23).
    assert sorted(problems('README.md', DRIFTED)) == sorted([
        'no Python name upgrades.available',
        'no file shared/design.md',
        'no file docs/nowhere.md (link)',
        'no heading #no-such-heading in docs/testing.md',
        'no param colour of action run-workflow',
        'no action fly',
        'no option or action param worker-multipler',
        'no tox env pyy3',
        'no endpoint mistral:dbx',
        'no module local.nothing',
        'no file named nowhere.py',
        "no status message 'Everything is on fire' in the charm",
        'no Python name charm.no_such_step',
        'no action paws',
        'no option wrokflows',
        'no option vipp',
        "no status message 'Unit is fine' in the charm",
        'no option colour',
        'no tox env nope',
        'no test test_nothing in local/tests/test_mistral_ha.py',
    ])
