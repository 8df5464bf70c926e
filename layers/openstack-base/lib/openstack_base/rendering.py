"""Templates to files: per-release lookup, strict rendering, and writes
that change a file only when its content changes."""

import errno
import grp
import json
import os
import pwd
import secrets
import stat

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


class UnsafePath(UnsafeValue):
    """A path the charm writes goes through a symbolic link, or names
    something other than a regular file (or directory): refused, with
    the path named, before anything is written there."""


# Every directory on the way to a file the charm writes is opened with
# these: a link is never followed, at any step.
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _is_root():
    return os.geteuid() == 0


def _kind(dir_fd, name):
    """What ``name`` in dir_fd is, in words, or None when missing."""
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return 'a symbolic link'
    if stat.S_ISDIR(mode):
        return 'a directory'
    return 'a regular file' if stat.S_ISREG(mode) else 'a special file'


def open_dir(path, create=False, mode=0o755):
    """An fd of the directory ``path``, reached from / one component at
    a time without following a link; missing ones are made (``mode``)
    when ``create``, else FileNotFoundError. UnsafePath names the first
    component that is a link or not a directory."""
    fd = os.open('/', _DIR_FLAGS)
    walked = '/'
    try:
        for part in os.path.abspath(path).split('/'):
            if not part:
                continue
            walked = os.path.join(walked, part)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, mode, dir_fd=fd)
                except FileExistsError:
                    pass
                child = _open_child_dir(fd, part, walked)
            except OSError as error:
                if error.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                child = _open_child_dir(fd, part, walked)
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _open_child_dir(dir_fd, name, path):
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as error:
        if error.errno not in (errno.ENOTDIR, errno.ELOOP):
            raise
    raise UnsafePath('{} is {}, not a directory'.format(
        path, _kind(dir_fd, name)))


def _open_existing(dir_fd, name, path, flags=os.O_RDONLY):
    """An fd of the regular file ``name`` in dir_fd, or None when there
    is none. A link there is not followed, a FIFO not waited on."""
    kind = _kind(dir_fd, name)
    if kind is None:
        return None
    if kind != 'a regular file':
        raise UnsafePath('{} is {}, not a regular file'.format(path, kind))
    try:
        fd = os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK |
                     os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise UnsafePath('{} is a symbolic link, not a regular file'
                         .format(path))
    if not stat.S_ISREG(os.fstat(fd).st_mode):      # swapped meanwhile
        os.close(fd)
        raise UnsafePath('{} is not a regular file'.format(path))
    return fd


def _holds(dir_fd, name, path, data):
    """os.stat_result of ``name`` when it holds exactly ``data``."""
    try:
        fd = _open_existing(dir_fd, name, path)
    except PermissionError:     # another's file, in the user's directory
        return None
    if fd is None:
        return None
    with os.fdopen(fd, 'rb') as f:
        held = f.read(len(data) + 1)
        return os.fstat(f.fileno()) if held == data else None


def _replace(dir_fd, name, path, data, mode, owner):
    """Write ``data`` to a new file of an unpredictable name, created
    exclusively (never through a link), give it ``mode`` and ``owner``
    ((uid, gid) or None) through its fd, then rename it over ``name``."""
    tmp = '.{}.{}.charm-new'.format(name[:200], secrets.token_hex(8))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW |
                 os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            if owner is not None:
                os.fchown(f.fileno(), *owner)
            os.fchmod(f.fileno(), mode)
        try:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError as error:
            if error.errno != errno.EBUSY:
                raise
            # A file bind-mounted into this machine (a container's
            # conffile) cannot be replaced: rewrite it in place, with the
            # same rights; a link is not followed there either.
            _rewrite(dir_fd, name, path, data, mode, owner)
            os.unlink(tmp, dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        raise


def _rewrite(dir_fd, name, path, data, mode, owner):
    fd = _open_existing(dir_fd, name, path, os.O_WRONLY)
    if fd is None:
        raise FileNotFoundError(errno.ENOENT, 'gone while replaced', path)
    with os.fdopen(fd, 'wb') as f:
        if owner is not None:
            os.fchown(f.fileno(), *owner)
        os.fchmod(f.fileno(), mode)
        f.truncate(0)
        f.write(data)


def write_if_changed(path, content, group='root', mode=0o640):
    """Atomically write content; True when the file changed.

    Files holding secrets are 0640 root:<service group> so the service
    can read them and nobody else can. No link is followed on the way
    or at the file (UnsafePath), and the temporary file is new.
    """
    data = content.encode()
    path = os.path.abspath(path)
    directory, name = os.path.split(path)
    dir_fd = open_dir(directory, create=True)
    try:
        if _holds(dir_fd, name, path, data):
            return False
        owner = ((0, grp.getgrnam(group).gr_gid if group else 0)
                 if _is_root() else None)
        _replace(dir_fd, name, path, data, mode, owner)
        return True
    finally:
        os.close(dir_fd)


def secure_dir(path, group):
    """root:<group> 0750: the service reads its config, cannot replace
    it, and nobody else can look in. A link is refused, not followed."""
    fd = open_dir(path, create=True)
    try:
        if _is_root():
            os.fchown(fd, 0, grp.getgrnam(group).gr_gid)
        os.fchmod(fd, 0o750)
    finally:
        os.close(fd)


def remove_if_present(path):
    """Delete a file the charm wrote; True when there was one. A link
    there is removed, never followed; a link on the way is refused."""
    path = os.path.abspath(path)
    directory, name = os.path.split(path)
    try:
        dir_fd = open_dir(directory)
    except FileNotFoundError:
        return False
    try:
        if _kind(dir_fd, name) == 'a directory':
            raise UnsafePath('{} is a directory, not a regular file'
                             .format(path))
        os.unlink(name, dir_fd=dir_fd)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(dir_fd)


def log_dir(path, user):
    """The directory a daemon running as ``user`` logs to, as logrotate
    rotating there as ``user`` (``su``) needs it: the user's, writable
    by nobody else; made 0750 (the user's primary group) when missing.
    Reached, and owner and mode set, without following a link."""
    try:
        fd, made = open_dir(path), False
    except FileNotFoundError:
        fd, made = open_dir(path, create=True), True
    try:
        held = os.fstat(fd)
        owner = _user_ids(user)
        if owner is not None and held.st_uid != owner[0]:
            # keep a group the package chose (Debian's adm reads logs)
            os.fchown(fd, owner[0], owner[1] if made else -1)
        mode = 0o750 if made else stat.S_IMODE(held.st_mode) & ~0o022
        if mode != stat.S_IMODE(held.st_mode):
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


# --- files in a directory the service user owns -----------------------------
# Root writes nothing there: a child process with the user's uid and
# gid (and no other group) does, so whatever link the user plants, the
# kernel lets it write only what the user could.

def write_as_user(path, content, user, mode=0o600):
    """Write ``path`` as ``user``, in its directory made (or kept) the
    user's, 0700; True when the file changed. A link at the directory or
    at the file is refused (UnsafePath), never followed."""
    data = content.encode()
    path = os.path.abspath(path)
    directory, name = os.path.split(path)
    owner = _user_ids(user)
    dir_fd = _user_dir(directory, owner)
    try:
        def write():
            held = _holds(dir_fd, name, path, data)
            if held and stat.S_IMODE(held.st_mode) == mode and (
                    owner is None or (held.st_uid, held.st_gid) == owner):
                return False
            _replace(dir_fd, name, path, data, mode, None)
            return True
        return as_user(owner, write)
    finally:
        os.close(dir_fd)


def _user_ids(user):
    """(uid, gid) of ``user`` (its primary group) when running as root,
    else None: the process writes as whoever it is."""
    if not _is_root():
        return None
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _user_dir(path, owner):
    """An fd of the directory ``path``, 0700 and owned by ``owner``: its
    parent is reached without following links, and so is it (made when
    missing); its owner and mode are set through the fd, so on a
    directory, never through a link planted in its place."""
    parent, name = os.path.split(path)
    parent_fd = open_dir(parent, create=True)
    try:
        try:
            os.mkdir(name, 0o700, dir_fd=parent_fd)
        except FileExistsError:
            pass
        fd = _open_child_dir(parent_fd, name, path)
    finally:
        os.close(parent_fd)
    held = os.fstat(fd)
    if owner is not None and (held.st_uid, held.st_gid) != owner:
        os.fchown(fd, *owner)
    if stat.S_IMODE(held.st_mode) != 0o700:
        os.fchmod(fd, 0o700)
    return fd


def as_user(owner, function):
    """function()'s result (JSON-able), computed by a child process that
    runs as ``owner`` ((uid, gid), no supplementary group); an error
    there is raised here (UnsafePath, OSError or RuntimeError). With
    ``owner`` None, function() runs here."""
    if owner is None:
        return function()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                        # the child
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(owner[1])
            os.setuid(owner[0])
            answer = {'result': function()}
        except BaseException as error:
            answer = {'error': type(error).__name__, 'message': str(error),
                      'unsafe': isinstance(error, UnsafePath)}
            if isinstance(error, OSError) and error.errno:
                answer.update(errno=error.errno, strerror=error.strerror,
                              filename=error.filename)
        try:
            os.write(write, json.dumps(answer).encode())
        finally:
            os._exit(0)         # no atexit handler: they are the hook's
    os.close(write)
    with os.fdopen(read, 'rb') as f:
        text = f.read()
    _, code = os.waitpid(pid, 0)
    try:
        answer = json.loads(text.decode())
    except ValueError:
        raise RuntimeError('the writer running as uid {} ended with status '
                           '{} and no answer'.format(owner[0], code))
    if 'result' in answer:
        return answer['result']
    if answer.get('unsafe'):
        raise UnsafePath(answer['message'])
    if answer.get('errno'):
        raise OSError(answer['errno'], answer['strerror'],
                      answer['filename'])
    raise RuntimeError('{}: {}'.format(answer['error'], answer['message']))
