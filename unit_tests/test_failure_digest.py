"""tools/failure-digest: the failed tests of the JUnit reports under
build/reports/, one line each, so a CI log's tail names them."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="local.tests.test_a" name="test_fine" time="1"/>
<testcase classname="local.tests.test_a" name="test_broken" time="2">
<failure message="AssertionError: assert 'http' == 'https'&#10;more">x
</failure></testcase>
<testcase classname="local.tests.test_b" name="test_later" time="3">
<error message="TimeoutError: did not answer within 60s">y</error>
</testcase>
</testsuite></testsuites>
"""


def digest(root):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'failure-digest'),
         str(root)], capture_output=True, text=True, check=True).stdout


def test_names_each_failure_with_the_first_line_of_its_message(tmp_path):
    reports = tmp_path / 'build' / 'reports'
    reports.mkdir(parents=True)
    (reports / 'func-local.xml').write_text(REPORT)
    assert digest(tmp_path).splitlines() == [
        'failed tests, in the order they ran (2):',
        "  func-local FAILURE local.tests.test_a::test_broken: "
        "AssertionError: assert 'http' == 'https'",
        '  func-local ERROR local.tests.test_b::test_later: '
        'TimeoutError: did not answer within 60s']


def test_says_nothing_when_nothing_failed(tmp_path):
    assert digest(tmp_path) == ''
