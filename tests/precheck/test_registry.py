"""The precheck registry is the one declaration of every check (issue #11, the seams): the facts
a check declares are the ones it reads and the gather script produces, the engine's lists, the
CLI help and the grid columns come from it, and nothing looks a check up by list position."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kkui.core.config.model import Host
from kkui.core.precheck.checks import (
    K8S_CHECK_IDS,
    K8S_CHECKS,
    LB_CHECK_IDS,
    LB_CHECKS,
    REGISTRY,
    CheckContext,
)
from kkui.core.precheck.gather import Facts, LbProbe, build_script, parse_output
from kkui.core.precheck.registry import Check, Registry

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).parent / "recorded"


class RecordingFacts(Facts):
    """Facts that note every section a check reads (a missing one reads as empty)."""

    def __init__(self, sections: dict[str, list[str]]) -> None:
        super().__init__(sections=dict(sections))
        self.read: set[str] = set()

    def has(self, name: str) -> bool:
        self.read.add(name)
        return super().has(name)

    def lines(self, name: str) -> list[str]:
        self.read.add(name)
        return self.sections.get(name, [])


def contexts() -> list[CheckContext]:
    out = []
    for user in ("root", "ubuntu"):
        host = Host(name="node1", address="127.0.0.1", user=user)
        for roles in (("etcd", "control-plane"), ("worker",)):
            out.append(CheckContext(host=host, roles=roles, skip_configure_os=user == "root",
                                    lb_vip="127.0.0.9", lb_interface="eth0"))
    return out


@pytest.mark.parametrize("recorded", sorted(p.name for p in RECORDED.glob("*.txt")))
def test_declared_facts_are_what_each_check_reads(recorded: str) -> None:
    base = parse_output((RECORDED / recorded).read_text()).sections
    for check in REGISTRY:
        if check.fn is None:
            continue
        for ctx in contexts():
            facts = RecordingFacts(base)
            result = check.fn(facts, ctx)
            assert result.id == check.id, f"{check.id} returned a result for {result.id}"
            undeclared = facts.read - set(check.facts)
            assert not undeclared, f"{check.id} reads {sorted(undeclared)} it does not declare"


def test_declared_facts_are_gathered() -> None:
    script = build_script(have_password=True, lb=LbProbe("127.0.0.9", 6443, "eth0"))
    gathered = set(re.findall(r"\bsec (\w+)", script))
    for check in REGISTRY:
        missing = set(check.facts) - gathered
        assert not missing, f"{check.id} declares {sorted(missing)}, which no script gathers"


def test_engine_lists_and_columns_come_from_the_registry() -> None:
    assert tuple(c.id for c in REGISTRY if "k8s" in c.hosts) == K8S_CHECK_IDS
    assert LB_CHECK_IDS == ("ssh", "sudo", "os", "time", "haproxy", "keepalived", "interface",
                            "vip", "frontend")
    assert tuple(REGISTRY[i].fn for i in K8S_CHECK_IDS if REGISTRY[i].fn) == K8S_CHECKS
    assert tuple(REGISTRY[i].fn for i in LB_CHECK_IDS if REGISTRY[i].fn) == LB_CHECKS
    assert all(len(c.title) <= 6 for c in REGISTRY), "column titles stay short"
    both = [c.id for c in REGISTRY.columns(k8s=True, lb=True)]
    assert both[:len(K8S_CHECK_IDS)] == list(K8S_CHECK_IDS) and both[-1] == "frontend"


def test_an_id_declared_twice_is_refused() -> None:
    check = REGISTRY["socat"]
    with pytest.raises(ValueError, match="socat"):
        Registry(check, Check("socat", "s", "again", (), None))


def test_cli_help_lists_every_check_from_the_registry() -> None:
    result = subprocess.run([sys.executable, "-m", "kkui", "precheck", "--help"],
                            capture_output=True, text=True, timeout=30, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "COLUMNS": "100", "PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr
    for check in REGISTRY:
        if check.hosts:
            assert re.search(rf"^\s+{check.id}\s+{re.escape(check.help[:30])}", result.stdout,
                             re.M), f"{check.id} missing from --help"


def test_no_check_is_looked_up_by_position() -> None:
    pattern = re.compile(r"\b(K8S|LB)_CHECK(S|_IDS)\[\d")
    found = [f"{path.relative_to(ROOT)}:{n}" for base in ("kkui", "tests", "bench")
             for path in (ROOT / base).rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line) and path != Path(__file__)]
    assert not found, f"look checks up by id (REGISTRY['conntrack']): {found}"
