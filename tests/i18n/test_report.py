# ruff: noqa: E501
"""`kkui report` (issue #16): the handover report, golden in both languages, built from a config
on loopback addresses and a run history made in the test (fixed clock), secrets masked.

Regenerate the golden files after a deliberate change: KKUI_UPDATE_GOLDEN=1 pytest tests/i18n."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kkui import i18n
from kkui.core.config import ClusterDocument
from kkui.core.handover import HandoverInputs, build_report
from kkui.core.runs import connect, recorded_run

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
PASSWORD = "Rep0rt-S3cret-pw"
STATS = "St4tsS3cretpw"
AUTH = "vrrpAuth9"
T0 = 1_795_000_000.0  # 2026-11-18 ... UTC: every time in the report derives from it
CONFIG = f"""\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: prod
spec:
  hosts:
  - {{name: master1, address: 127.0.0.11, internalAddress: 127.0.0.11, user: root, password: "{PASSWORD}"}}
  - {{name: master2, address: 127.0.0.12, internalAddress: 127.0.0.12, user: root, password: "{PASSWORD}"}}
  - {{name: master3, address: 127.0.0.13, internalAddress: 127.0.0.13, user: root, password: "{PASSWORD}"}}
  - {{name: worker1, address: 127.0.0.14, internalAddress: 127.0.0.14, user: ubuntu, privateKeyPath: ~/.ssh/id_ed25519}}
  roleGroups:
    etcd: [master1, master2, master3]
    control-plane: [master1, master2, master3]
    worker: [worker1]
  controlPlaneEndpoint: {{domain: lb.kubesphere.local, address: 127.0.0.18, port: 6443}}
  kubernetes: {{version: v1.28.15, containerManager: containerd}}
  network: {{plugin: calico, kubePodsCIDR: 10.233.64.0/18, kubeServiceCIDR: 10.233.0.0/18}}
---
apiVersion: kkui/v1alpha1
kind: KkuiSettings
metadata:
  name: prod
spec:
  kk:
    version: v3.1.12
  loadBalancer:
    vip: 127.0.0.18
    prefix: 24
    port: 6443
    interface: eth0
    virtualRouterId: 51
    hosts:
    - {{name: lb1, address: 127.0.0.16, internalAddress: 127.0.0.16, user: root, password: "{PASSWORD}"}}
    - {{name: lb2, address: 127.0.0.17, internalAddress: 127.0.0.17, user: root, password: "{PASSWORD}"}}
    secrets:
      authPass: "{AUTH}"
      statsPassword: "{STATS}"
"""


@pytest.fixture
def english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


def history(db: Path, doc: ClusterDocument) -> None:
    """Four runs as the commands record them, then every time pinned to T0 + offsets."""
    model, text = doc.model(), doc.to_text()
    with recorded_run("precheck", model=model, config_text=text, db=db) as run:
        run.stage("precheck")
        run.add_findings(["worker1 swap: swap is on (kubelet refuses to start)"])
        run.finish(1)
    with recorded_run("install", model=model, config_text=text, db=db, lock=True) as run:
        run.set_kk("v3.1.12", "0" * 64)
        run.set_log("/srv/kk/kkui-work/logs/kk-create-cluster.log")
        for stage in ("precheck", "kk: InitBinariesModule", "kk: InitKubernetesModule"):
            run.stage(stage)
        run.finish(0)
    with recorded_run("verify", model=model, config_text=text, db=db) as run:
        run.stage("verify")
        run.finish(0)
    with recorded_run("drill", model=model, config_text=text, db=db, lock=True) as run:
        run.stage("drill")
        run.add_findings(["lb1 stopped: VIP moved to lb2 in 0.6 s; API outage 1.2 s"])
        run.finish(0)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE runs SET started = ? + id * 3600, finished = ? + id * 3600 + 90",
                     (T0, T0))
        conn.execute("UPDATE stages SET started = ? + run_id * 3600 + seq * 20, "
                     "finished = ? + run_id * 3600 + seq * 20 + 15", (T0, T0))
    conn.close()


def make_report(tmp_path: Path, language: str, *, with_history: bool = True) -> str:
    cfg = tmp_path / "config-sample.yaml"
    cfg.write_text(CONFIG)
    doc = ClusterDocument.load(cfg)
    assert not [p for p in doc.validate() if p.severity == "error"]
    db = tmp_path / "kkui.db"
    if with_history:
        history(db, doc)
    i18n.set_language(language)
    conn = connect(db) if with_history else None
    try:
        return build_report(HandoverInputs(
            model=doc.model(), config_text=doc.to_text(), config_path="/srv/kk/config-sample.yaml",
            db_path="/root/.local/share/kkui/kkui.db", now=T0 + 5 * 3600, kkui_version="0.1.0"),
            conn)
    finally:
        if conn is not None:
            conn.close()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_golden_report(tmp_path: Path, language: str, english_after: None) -> None:
    got = make_report(tmp_path, language)
    path = GOLDEN / f"report.{language}.md"
    if os.environ.get("KKUI_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs"
    # what the report promises, whatever the golden says
    assert PASSWORD not in got and STATS not in got and AUTH not in got
    assert got.count("******") >= 7  # five SSH passwords, the VRRP and stats passwords
    assert "| master1 | etcd, control-plane | 127.0.0.11 |" in got
    assert "VIP `127.0.0.18/24`" in got
    assert "v3.1.12" in got and "v1.28.15" in got and "containerd" in got and "calico" in got
    assert "worker1 swap: swap is on" in got  # findings stay as recorded
    assert "`/srv/kk/kkui-work/logs/kk-create-cluster.log`" in got


def test_report_headings_in_chinese(tmp_path: Path, english_after: None) -> None:
    got = make_report(tmp_path, "zh")
    for heading in ("# 交接报告: prod", "## 拓扑", "## 版本", "## 最近的运行",
                    "### 预检 (`kkui precheck`)", "## 故障演练", "## 文件位置",
                    "- 高可用负载均衡对: lb1 (127.0.0.16), lb2 (127.0.0.17)"):
        assert heading in got.splitlines() or any(ln.startswith(heading)
                                                  for ln in got.splitlines()), heading
    assert "运行 #1，开始于 2026-11-18 " in got and "失败（退出码 1）" in got


def test_report_without_history_says_so(tmp_path: Path, english_after: None) -> None:
    got = make_report(tmp_path, "en", with_history=False)
    assert "No run history: the runs of kkui are recorded in `kkui history`." in got
    assert got.count("No run recorded.") == 3


def test_kkui_report_command_writes_the_file_in_the_chosen_language(tmp_path: Path) -> None:
    cfg = tmp_path / "config-sample.yaml"
    cfg.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "KKUI_LANG")}
    env.update(PYTHONPATH=str(ROOT), KKUI_DB=str(tmp_path / "none.db"), LANG="C.UTF-8")
    for args, out, title in (
            (["report", "-f", str(cfg), "--lang", "zh", "-o", "r.md"], "r.md", "# 交接报告: prod"),
            (["--lang", "zh", "report", "-f", str(cfg)], "kkui-report-prod.md", "# 交接报告"),
            (["report", "-f", str(cfg), "-o", "en.md"], "en.md", "# Handover report: prod")):
        res = subprocess.run([sys.executable, "-m", "kkui", *args], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        text = (tmp_path / out).read_text(encoding="utf-8")
        assert text.startswith(title)
        assert PASSWORD not in text + res.stdout + res.stderr
    assert not (tmp_path / "none.db").exists()  # a report never creates a history database
