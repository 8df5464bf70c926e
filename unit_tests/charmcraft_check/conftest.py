# These tests need charmcraft, which only `tox -e charmcraft-check`
# installs (requirements/charmcraft.txt); that env runs them with
# --noconftest, so this file only keeps py3 (`pytest unit_tests`) out.
collect_ignore = ['test_charmcraft_project.py']
