"""attach-resource: an operator's file for one of the charm's resources,
kept in the model's state root, then upgrade-charm on every unit (as
Juju runs it when a resource changes)."""

import os
import shutil

from localjuju.charmdir import Charm
from localjuju.errors import OperationError


def attach(controller, app, name, path):
    state = controller.model.read()
    if app not in state['applications']:
        raise OperationError('application "{}" not found'.format(app))
    declared = Charm(state['applications'][app]['charm']).metadata.get(
        'resources', {})
    if name not in declared:
        raise OperationError('charm of "{}" has no resource "{}"'.format(
            app, name))
    target_dir = os.path.join(controller.model.root, 'resources', app, name)
    os.makedirs(target_dir, exist_ok=True)
    target = os.path.join(target_dir, declared[name].get(
        'filename', os.path.basename(path)))
    shutil.copyfile(path, target)
    with controller.model.edit() as state:
        state['applications'][app].setdefault('resources', {})[name] = target
    controller.upgrade_charm(app)
