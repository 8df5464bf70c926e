"""The workflow definitions shared with the zaza suite
(src/tests/mistral_workflows.py), loaded by path: src/tests is the
charm's test tree, not a package on this side's import path."""

import importlib.util
import os

SOURCE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    'src', 'tests', 'mistral_workflows.py')


def load(path=SOURCE):
    spec = importlib.util.spec_from_file_location('mistral_workflows', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
