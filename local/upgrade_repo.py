"""A newer Mistral release to upgrade to, made from the installed one.

Debian has one Mistral release (15, zed). The upgrade stories need the
next ones: the installed packages re-packed (dpkg-repack) with the
version the charm's release table maps to antelope (16) or bobcat (17),
each with a real schema change, an Alembic revision in python3-mistral
that adds a column to workflow_executions_v2 (old code ignores it, so
units still on the old release keep serving). The result is a flat apt
repository, served over HTTP on the bridge (``Server``), whose
`deb [trusted=yes] http://...` line is the openstack-origin the story
sets: the units' machines reach it directly, not through the apt proxy.
"""

import functools
import glob
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading

from localjuju import network

PORT = 8089

PACKAGES = ('mistral-common', 'python3-mistral', 'mistral-api',
            'mistral-engine', 'mistral-executor', 'mistral-event-engine')
MAJOR = {'antelope': 16, 'bobcat': 17}
ALEMBIC = ('usr/lib/python3/dist-packages/mistral/db/sqlalchemy/migration/'
           'alembic_migrations/versions')
BASE_REVISION = '041'       # Mistral 15's head

REVISION = '''"""The local {release} release's schema change (upgrade stories).

Revision ID: {revision}
Revises: {down}
"""

from alembic import op
import sqlalchemy as sa

revision = '{revision}'
down_revision = '{down}'


def upgrade():
    op.add_column('workflow_executions_v2',
                  sa.Column('{column}', sa.String(length=36),
                            nullable=True))
'''


def revision_of(release):
    return 'l{}'.format(MAJOR[release])


def column_of(release):
    """The column a release's migration adds (the stories look for it)."""
    return 'upgraded_to_{}'.format(release)


def version_of(release, point=0):
    return '{}.0.{}-0local1'.format(MAJOR[release], point)


def installed_version(package):
    return subprocess.check_output(
        ['dpkg-query', '-W', '-f', '${Version}', package],
        universal_newlines=True)


def origin(repo):
    return 'deb [trusted=yes] http://{}:{}/{} ./'.format(
        network.HOST_ADDRESS, PORT, os.path.basename(repo))


class Server:
    """The repositories under ``root``, served on the bridge while the
    stories run (``close`` stops it)."""

    def __init__(self, root):
        handler = functools.partial(_QuietHandler, directory=root)
        self.httpd = http.server.ThreadingHTTPServer(
            (network.HOST_ADDRESS, PORT), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def build(root, release, without=(), point=0):
    """Make the repository of ``release`` under ``root`` (once), without
    the packages named in ``without`` (a broken repository); its apt
    line. A ``point`` release (the same schema) joins the repository as
    an archive's update does, beside what it had."""
    name = 'mistral-{}'.format(release) + ''.join(
        '-without-' + p for p in without)
    repo = os.path.join(root, name)
    new = version_of(release, point)
    built = os.path.join(repo, '.built-' + new)
    if os.path.exists(built):
        return origin(repo)
    old = installed_version('mistral-common')
    os.makedirs(repo, exist_ok=True)
    work = tempfile.mkdtemp(dir=root)
    try:
        for package in PACKAGES:
            if package not in without:
                _repack(work, repo, package, old, new, release)
        index = subprocess.check_output(['dpkg-scanpackages', '.'],
                                        cwd=repo, stderr=subprocess.DEVNULL)
        with open(os.path.join(repo, 'Packages'), 'wb') as out:
            out.write(index)
        open(built, 'w').close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return origin(repo)


def _repack(work, repo, package, old, new, release):
    subprocess.run(['dpkg-repack', package], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deb, = glob.glob(os.path.join(work, package + '_*.deb'))
    tree = os.path.join(work, package)
    subprocess.check_call(['dpkg-deb', '-R', deb, tree])
    control = os.path.join(tree, 'DEBIAN', 'control')
    with open(control) as f:
        text = f.read()
    # the new version, and the exact-version dependencies between the
    # Mistral packages moved with it
    text = re.sub(r'(?m)^Version: .*$', 'Version: ' + new, text)
    text = text.replace('(= {})'.format(old), '(= {})'.format(new))
    with open(control, 'w') as f:
        f.write(text)
    if package == 'python3-mistral':
        _add_revisions(tree, release)
    subprocess.check_call(
        ['dpkg-deb', '-Zgzip', '-b', tree,
         os.path.join(repo, '{}_{}_all.deb'.format(package, new))],
        stdout=subprocess.DEVNULL)


def _add_revisions(tree, release):
    """Every local revision up to ``release``'s, chained on Mistral 15's
    head."""
    down = BASE_REVISION
    for name in sorted(MAJOR, key=MAJOR.get):
        revision = revision_of(name)
        path = os.path.join(tree, ALEMBIC, '{}_local_{}.py'.format(
            revision, name))
        with open(path, 'w') as f:
            f.write(REVISION.format(release=name, revision=revision,
                                    down=down, column=column_of(name)))
        down = revision
        if name == release:
            return
