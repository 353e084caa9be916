"""pytest hooks: lab tests may skip on a developer's machine, never under ``CI=true``.

A *lab test* needs a real prerequisite of the machine: root and OpenSSH ``sshd`` (marker
``sshd``), network namespaces with haproxy/keepalived (``netns``), ``tmux`` (``tmux``).  Tests
are marked explicitly or through the lab fixtures they use (``LAB_FIXTURES``).

- ``CI`` set to ``true``/``1``/``yes``: a lab test that skips — whatever skipped it: a
  ``skipif`` mark, ``pytest.skip`` in a fixture or the test — is reported as failed, with the
  skip's reason: CI must not be green with the labs silently left out.
- Always: the terminal summary says how many lab tests ran (passed or failed), per marker, and
  how many skipped, e.g. ``lab tests run: 120 (sshd 80, netns 40, tmux 3); skipped: 0``.

Used by ``tests/conftest.py`` (which imports these hooks); usable alone as ``-p
support.ci_policy``.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

LAB_MARKERS = ("sshd", "netns", "tmux")
LAB_FIXTURES = {"sshlab": "sshd", "farm": "sshd", "lab": "netns", "ssh_lab": "netns"}
_ran = pytest.StashKey[Counter[str]]()
_skipped = pytest.StashKey[Counter[str]]()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def lab_kinds(item: pytest.Item) -> list[str]:
    return [m for m in LAB_MARKERS if item.get_closest_marker(m) is not None]


def pytest_configure(config: pytest.Config) -> None:
    for marker, what in (("sshd", "needs real OpenSSH sshd on loopback (root)"),
                         ("netns", "needs network namespaces (root)"),
                         ("tmux", "needs tmux")):
        config.addinivalue_line("markers", f"{marker}: {what}")
    config.stash[_ran] = Counter()
    config.stash[_skipped] = Counter()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for fixture, marker in LAB_FIXTURES.items():
            if fixture in fixtures and item.get_closest_marker(marker) is None:
                item.add_marker(marker)


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    kinds = lab_kinds(item)
    if not kinds or hasattr(report, "wasxfail"):
        return
    if report.skipped:
        item.config.stash[_skipped].update(kinds + ["*"])
        if in_ci():
            report.outcome = "failed"
            report.longrepr = (f"CI=true: lab prerequisite missing for a {'/'.join(kinds)} test "
                               f"— a skip is a failure in CI: {_reason(report)}")
    elif report.when == "call":
        item.config.stash[_ran].update(kinds + ["*"])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    ran, skipped = config.stash[_ran], config.stash[_skipped]
    per = ", ".join(f"{m} {ran[m]}" for m in LAB_MARKERS)
    terminalreporter.write_line(f"lab tests run: {ran['*']} ({per}); "
                                f"skipped: {skipped['*']}"
                                + (" (CI=true: skips fail)" if in_ci() else ""))
