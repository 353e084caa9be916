"""`kkui precheck`'s grid (issue #11, defect 8): the rows are the final report's, after the
cross-host checks, so the hostname column agrees with the problem list; the header is one line
of short column titles from the registry, not a stack of vertical letters."""

from __future__ import annotations

import io
import re
from pathlib import Path

from kkui.commands.precheck import TableView
from kkui.core.config import ClusterDocument
from kkui.core.precheck import CheckResult, HostReport, PrecheckReport
from kkui.core.precheck.checks import K8S_CHECK_IDS, REGISTRY

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "kubekey" / "config-sample.v1alpha2.yaml"


def model():
    text = SAMPLE.read_text().replace("172.16.0.2", "127.0.0.1").replace("172.16.0.3",
                                                                         "127.0.0.2")
    return ClusterDocument.from_text(text).model()


def host(name: str, address: str, hostname: CheckResult, swap: str = "pass") -> HostReport:
    checks = tuple(CheckResult(i, "pass", "ok") for i in K8S_CHECK_IDS
                   if i not in ("hostname", "swap"))
    checks += (hostname, CheckResult("swap", swap, "1.0 GiB of swap is on"))
    return HostReport(name, address, "worker", checks)


def test_grid_shows_the_cross_host_result_and_short_titles() -> None:
    out = io.StringIO()
    view = TableView(model(), None, out)
    view.start()
    alone = CheckResult("hostname", "pass", "debian")
    # as each host finishes, it has not been compared with the others yet
    view.host_done(host("node1", "127.0.0.1", alone, swap="warn"))
    view.host_done(host("node2", "127.0.0.2", alone))
    dup = CheckResult("hostname", "warn", "hostname 'debian' is also the hostname of node2")
    final = PrecheckReport(hosts=[host("node1", "127.0.0.1", dup, swap="warn"),
                                  host("node2", "127.0.0.2", dup)])
    view.finish(final)
    text = out.getvalue()
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("host "))
    titles = header.split()
    assert titles[:4] == ["host", "role", REGISTRY.title("hostname"), REGISTRY.title("swap")]
    assert f"({len(K8S_CHECK_IDS) - 2} other checks passed on every host)" in header
    name_col = header.index(REGISTRY.title("hostname"))
    for node in ("node1", "node2"):
        row = next(line for line in lines if line.startswith(node + " "))
        assert row[name_col] == "!", f"{node}'s hostname cell disagrees with the problems"
        assert re.search(rf"^\s+{node}\s+! hostname\s+hostname 'debian'", text, re.M)
    # no header of vertical letters: no line made only of single characters
    assert not [line for line in lines if re.fullmatch(r"(\s*\S)(\s+\S){5,}\s*", line)]
    assert len(header) <= 100


def test_all_passing_hosts_get_a_count_not_22_columns() -> None:
    out = io.StringIO()
    view = TableView(model(), None, out)
    ok = CheckResult("hostname", "pass", "node1")
    view.finish(PrecheckReport(hosts=[host("node1", "127.0.0.1", ok),
                                      host("node2", "127.0.0.2", ok)]))
    lines = out.getvalue().splitlines()
    assert f"({len(K8S_CHECK_IDS)} checks passed on every host)" in lines[1]
    assert next(line for line in lines if line.startswith("node1")).endswith(
        f"✓ {len(K8S_CHECK_IDS)}")
