"""Templates to files: per-release lookup, strict rendering, and writes
that change a file only when its content changes."""

import errno
import grp
import os
import shutil

import jinja2
from charmhelpers.core import hookenv

from openstack_base import grammar, releases

TEMPLATES = 'templates'


def template_dirs(release, charm_dir=None):
    """templates/<release>/ for this and older releases, newest first,
    then templates/."""
    base = os.path.join(charm_dir or hookenv.charm_dir() or os.getcwd(),
                        TEMPLATES)
    older = releases.RELEASES[:releases.release_index(release) + 1]
    return [os.path.join(base, r) for r in reversed(older)
            if os.path.isdir(os.path.join(base, r))] + [base]


class UnsafeValue(ValueError):
    """A value would break the file it goes into. The checks of config
    and relation data refuse such values first, naming them; this is
    the last line, for a value that reached a template unchecked."""


def render(template, context, release, escape=None):
    """The text of ``template`` for ``release``; a name the context
    lacks is an error, not an empty string. Every value goes in on one
    line (else UnsafeValue), through ``escape`` (the destination's
    syntax, e.g. grammar.oslo_escape) when given."""
    def finalize(value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value)
        if grammar.CONTROL.search(text):
            raise UnsafeValue('{}: a value holds a control character'
                              .format(template))
        return escape(text) if escape else text
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dirs(release)),
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
        finalize=finalize)
    return env.get_template(template).render(context)


def write_if_changed(path, content, group='root', mode=0o640):
    """Atomically write content; True when the file changed.

    Files holding secrets are 0640 root:<service group> so the service
    can read them and nobody else can.
    """
    data = content.encode()
    try:
        with open(path, 'rb') as f:
            if f.read() == data:
                return False
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = '{}.charm-new'.format(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.chmod(tmp, mode)
    if os.geteuid() == 0:
        os.chown(tmp, 0, grp.getgrnam(group).gr_gid if group else 0)
    try:
        os.replace(tmp, path)
    except OSError as error:
        if error.errno != errno.EBUSY:
            raise
        # A file bind-mounted into this machine (a container's conffile)
        # cannot be replaced: rewrite it in place, with the same rights.
        shutil.copystat(tmp, path)
        if os.geteuid() == 0:
            shutil.chown(path, 0, grp.getgrnam(group).gr_gid
                         if group else 0)
        with open(path, 'wb') as f:
            f.write(data)
        os.unlink(tmp)
    return True


def secure_dir(path, group):
    """root:<group> 0750: the service reads its config, cannot replace
    it, and nobody else can look in."""
    os.makedirs(path, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(path, 0, grp.getgrnam(group).gr_gid)
    os.chmod(path, 0o750)


def remove_if_present(path):
    """Delete a file the charm wrote; True when there was one."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
