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
from support.zh_cluster import AUTH, CONFIG, PASSWORD, STATS

from kkui import i18n
from kkui.core.config import ClusterDocument
from kkui.core.handover import HandoverInputs, build_report
from kkui.core.runs import connect, recorded_run
from kkui.core.verify.report import VerifyReport, VerifyResult

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
T0 = 1_795_000_000.0  # 2026-11-18 ... UTC: every time in the report derives from it


# a verify run's results: the certs check of each control-plane node, one other check
VERIFY_RESULTS = (
    VerifyResult("etcd-quorum", "cluster", "pass", "3/3 members healthy"),
    VerifyResult("certs", "master1", "warn", "expiring: /etc/kubernetes/pki/apiserver.crt 21 days",
                 fix="kkui certs -f CONFIG --renew"),
    VerifyResult("certs", "master2", "pass",
                 "22 certificates; soonest /etc/kubernetes/pki/apiserver.crt in 364 days"),
    VerifyResult("certs", "master3", "error", "not checked"),
)


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
        run.add_findings(VerifyReport(VERIFY_RESULTS).findings())  # as `kkui verify` records
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
    # the certificate calendar: from the verify run (#3), every host's certs check
    status = {"en": ("warn", "pass", "error"), "zh": ("警告", "通过", "错误")}[language]
    assert f"| master1 | {status[0]} | expiring: /etc/kubernetes/pki/apiserver.crt 21 days |" \
        in got
    assert f"| master2 | {status[1]} | 22 certificates; soonest " in got
    assert f"| master3 | {status[2]} | not checked |" in got
    assert "etcd-quorum" not in got.split("## ")[-3]  # only the certs check is a calendar row


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
            (["report", "-f", str(cfg), "-o", "en.md"], "en.md", "# Handover report: prod"),
            (["report", "-f", str(cfg), "-o", "out/"], "out/kkui-report-prod.md",
             "# Handover report: prod")):  # a directory: the default name inside it
        res = subprocess.run([sys.executable, "-m", "kkui", *args], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        text = (tmp_path / out).read_text(encoding="utf-8")
        assert text.startswith(title)
        assert PASSWORD not in text + res.stdout + res.stderr
    (tmp_path / "planted").symlink_to(tmp_path / "elsewhere.md")
    res = subprocess.run([sys.executable, "-m", "kkui", "report", "-f", str(cfg), "-o",
                          "planted"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode != 0 and not (tmp_path / "elsewhere.md").exists()  # link refused
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()  # a report never creates a history database


def test_certificate_calendar_is_the_newest_recorded_check(tmp_path: Path,
                                                          english_after: None) -> None:
    """A later run recording the certs check (here a day-2 flow's verify, whose findings
    carry the "verify " prefix) replaces the calendar; runs without one are skipped."""
    cfg = tmp_path / "config-sample.yaml"
    cfg.write_text(CONFIG)
    doc = ClusterDocument.load(cfg)
    model, text = doc.model(), doc.to_text()
    db = tmp_path / "kkui.db"
    inputs = HandoverInputs(model=model, config_text=text, config_path=None, db_path=None,
                            now=T0, kkui_version="0.1.0")
    with recorded_run("precheck", model=model, config_text=text, db=db) as run:
        run.finish(0)
    conn = connect(db)
    try:
        assert "No certificate check recorded: `kkui verify` records one" in \
            build_report(inputs, conn)
    finally:
        conn.close()
    history(db, doc)
    with recorded_run("upgrade", model=model, config_text=text, db=db) as run:
        run.add_findings(["verify certs master1 fail: expiring: /etc/kubernetes/pki/ca.crt 3 days"])
        run.finish(1)
    with recorded_run("verify", model=model, config_text=text, db=db) as run:
        run.add_findings(["etcd-quorum cluster fail: 1/3 members healthy"])  # --only: no certs
        run.finish(1)
    conn = connect(db)
    try:
        got = build_report(inputs, conn)
    finally:
        conn.close()
    calendar = got.split("## Certificate calendar")[1].split("## ")[0]
    assert "From run #6 (`kkui upgrade`," in calendar
    assert "| master1 | fail | expiring: /etc/kubernetes/pki/ca.crt 3 days |" in calendar
    assert "master2" not in calendar  # the older verify's rows are replaced, not merged
