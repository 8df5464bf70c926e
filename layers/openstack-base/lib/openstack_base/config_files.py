"""The charm's config files: which ones, from which template, readable by
which group; rendered together from one context."""

import os

from openstack_base import context, grammar, rendering, tls

LOGROTATE = '/etc/logrotate.d/{}-charm'


def wanted(charm, frontend):
    """{path: (template, group)} of every file the unit needs now."""
    files = {path: (template, charm.group)
             for path, template in charm.config_files.items()}
    files[charm.haproxy_conf] = ('haproxy.cfg', 'haproxy')
    files[charm.memcached_conf] = ('memcached.conf', 'root')
    files[LOGROTATE.format(charm.name)] = ('logrotate.conf', 'root')
    if frontend:
        files[tls.site_path(charm.apache_dir)] = (
            tls.APACHE_SITE + '.conf', 'root')
    return files


def render_all(charm, frontend):
    """Write every file; return the paths whose content changed. Every
    file is rendered before any is written: a value a template refuses
    (rendering.UnsafeValue) leaves all of them as they were."""
    values = context.build(charm, frontend)
    oslo_templates = set(charm.config_files.values())
    texts = {path: (rendering.render(
        template, values, charm.release,
        grammar.oslo_escape if template in oslo_templates else None), group)
        for path, (template, group) in wanted(charm, frontend).items()}
    for directory in sorted({os.path.dirname(p) for p in charm.config_files}):
        rendering.secure_dir(directory, charm.group)
    changed = {path for path, (text, group) in sorted(texts.items())
               if rendering.write_if_changed(path, text, group=group)}
    for log in values['options']['log_dirs']:
        if log['user']:     # logrotate's su: the user's, and its alone
            rendering.log_dir(log['path'], log['user'])
    if frontend:
        tls.enable_apache(charm.apache_dir)
    return changed
