"""The security checklist: what the OpenStack security guide asks of an
API unit that the unit itself can check; each check says why it fails."""

import os
import stat


def config_files_closed(charm):
    """Config files (they hold passwords) are not readable by others."""
    open_files = [p for p in sorted(charm.config_files)
                  if os.path.exists(p) and
                  os.stat(p).st_mode & (stat.S_IROTH | stat.S_IWOTH)]
    return 'readable by others: ' + ', '.join(open_files) \
        if open_files else None


def config_dirs_closed(charm):
    """The config directories are root's, closed to others."""
    found = []
    for path in sorted({os.path.dirname(p) for p in charm.config_files}):
        if os.path.isdir(path):
            info = os.stat(path)
            if info.st_uid != 0 or info.st_mode & stat.S_IRWXO:
                found.append(path)
    return 'not root-owned 0750: ' + ', '.join(found) if found else None


def tls_enabled(charm):
    """The API is served over TLS."""
    return None if charm.tls_enabled else \
        'no certificate (set ssl_cert and ssl_key, or relate certificates)'


def debug_off(charm):
    """Debug logging is off (it can log request bodies)."""
    return 'debug is true' if charm.config.get('debug') else None


def keystone_over_tls(charm):
    """Tokens are validated against Keystone over TLS."""
    context = charm.relations['identity-service'].context()
    url = context.get('auth_url')
    if not url:
        return 'no identity-service relation'
    return None if url.startswith('https://') else \
        'Keystone is reached over plain HTTP ({})'.format(
            url.split('://', 1)[0])


def tls_key_closed(charm):
    """The TLS private key is readable by root only (and its group)."""
    frontend = charm.tls_frontend
    if frontend is None or not os.path.exists(frontend.key_file):
        return None
    mode = os.stat(frontend.key_file).st_mode
    return 'the key is readable by others' if mode & stat.S_IROTH else None


CHECKS = {
    'config-files-not-world-readable': config_files_closed,
    'config-dirs-root-owned': config_dirs_closed,
    'api-uses-tls': tls_enabled,
    'debug-off': debug_off,
    'keystone-over-tls': keystone_over_tls,
    'tls-key-not-world-readable': tls_key_closed,
}


def run(charm):
    """{check: 'PASS' or 'FAIL: why'}, and the names of failed checks."""
    results, failed = {}, []
    for name, check in CHECKS.items():
        reason = check(charm)
        results[name] = 'FAIL: ' + reason if reason else 'PASS'
        if reason:
            failed.append(name)
    return results, failed
