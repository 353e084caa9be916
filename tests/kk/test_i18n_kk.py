"""kk's stages, triage findings, install, verify and drill texts in Chinese (issue #16).

Table-driven from the registries: every triage signature (title, cause, each fix), every stage,
and every message the core of these areas builds (found by the same Babel extraction the
catalog test runs) is rendered in Chinese with its placeholders filled. Commands, paths, kk
module names, field names and issue numbers stay as they are inside the Chinese. ``--json``
does not change with the language; the English text is the one the goldens already check.
"""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from support import netguard
from support.catalog_tool import catalog_tool

from kkui import i18n
from kkui.core.kk.events import TaskStarted
from kkui.core.kk.hints import HintCollector, match_hints
from kkui.core.kk.silence import WAITING_FOR, silence_note
from kkui.core.kk.stages import CREATE_CLUSTER_STAGES, InstallProgress
from kkui.core.kk.triage import SIGNATURES, triage_text
from kkui.core.kk.triage.report import render_text
from kkui.i18n import L_, shown
from kkui.i18n.width import cells

ROOT = Path(__file__).resolve().parents[2]
KKLOGS = ROOT / "tests" / "data" / "kklogs"
# the core of the areas whose texts kk.po translates
AREAS = ("kkui/core/kk", "kkui/core/install", "kkui/core/verify", "kkui/core/drill",
         "kkui/core/runs", "kkui/core/errors.py", "kkui/core/crash.py", "kkui/core/signals.py")
CJK = re.compile(r"[\u4e00-\u9fff]")
# what must come through a translation unchanged: code spans (commands), kk's module names,
# issue numbers, spec./registry. field paths, absolute paths and URLs
KEPT = re.compile(r"`[^`]+`|\b[A-Z]\w+Module\b|kubekey#\d+|\b(?:spec|registry)\.[\w.\[\]]+\w"
                  r"|https?://[!-~]+|(?<![\w.])/(?:[\w.*<>-]+/)*[\w.*<>-]+", re.ASCII)
# messages whose Chinese is, rightly, the English: only placeholders, commands and symbols
SAME_IN_CHINESE = {
    "{status} {host} ({address}) {check}: {detail}",
    "{server} → {ip}",
    "kubectl -n kube-system logs -l k8s-app=kube-dns",
    "etcd",  # the stage
    "{where}: {message}",  # kkui/core/errors.py: a ConfigError's place and message
    "  {mark} {assumption}",  # a resume plan's state check: ok/FAIL and its text
    "kk {version}",
    "zone {zone}",  # kk's KKZONE value: cn / global
    "  {action:13} {text}",  # an install plan's action id (English) and its translated text
    "  {line}",
    "{lb} {domain} {address}:{port}",  # the control-plane endpoint: values only
}



def kept_tokens(text: str) -> set[str]:
    return {m.rstrip(".,;:") for m in KEPT.findall(text)}


def sample_values(template: str) -> dict[str, object]:
    """A value for each ``{field}``: a number where the format spec needs one."""
    values: dict[str, object] = {}
    for _literal, name, spec, _conv in string.Formatter().parse(template):
        if name:
            values[name] = 1.5 if spec and spec[-1] in "fg%" else f"<{name}>"
    return values


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_every_triage_signature_reads_in_chinese_with_commands_kept(sig, zh) -> None:
    fields = {"title": sig.title, "cause": sig.cause, "fix": sig.fix}
    if sig.fix_cn:
        fields["fix_cn"] = sig.fix_cn
    for name, english in fields.items():
        chinese = shown(L_(english))
        assert chinese != english and CJK.search(chinese), f"{sig.id}.{name} is not translated"
        lost = kept_tokens(english) - kept_tokens(chinese)
        assert not lost, f"{sig.id}.{name}: the Chinese changed or dropped {sorted(lost)}"


@pytest.mark.parametrize("stage", [s.title for s in CREATE_CLUSTER_STAGES] + ["Starting"])
def test_every_stage_and_what_kk_waits_for_is_chinese(stage: str, zh) -> None:
    if stage != "etcd":  # the etcd stage is called etcd in both languages
        assert CJK.search(shown(L_(stage))), f"stage {stage!r} has no Chinese name"
    assert CJK.search(shown(silence_note(45, L_(stage)))), f"{stage}: silence note in English"


def test_the_status_line_is_chinese_around_kks_module_and_english_in_english() -> None:
    progress = InstallProgress(clock=lambda: 100.0)
    progress.start()
    progress.feed(TaskStarted("ETCDConfigureModule", "GenerateETCDService"))
    english = progress.status_line()
    assert english == "stage 8/14 etcd · ETCDConfigureModule · 50% · 00:00"
    i18n.set_language("zh")
    try:
        assert shown(english) == "阶段 8/14 etcd · ETCDConfigureModule · 50% · 00:00"
        progress.feed(TaskStarted("JoinNodesModule", "JoinNode"))
        assert shown(progress.status_line()).startswith("阶段 11/14 加入节点 · JoinNodesModule")
        assert shown(silence_note(45, progress.stage_title)) == \
            "kk 已 45 秒没有输出 — 可能在等待：其他节点执行 kubeadm join"
    finally:
        i18n.set_language("en")
    assert str(progress.status_line()).startswith("stage 11/14 Join nodes · ")


def test_wait_notes_cover_every_stage() -> None:
    assert set(WAITING_FOR) == {s.title for s in CREATE_CLUSTER_STAGES} | {"Starting"}


def _area_ids() -> dict[str, str]:
    return {key: where for key, (where, _message) in catalog_tool().extracted().items()
            if where.startswith(AREAS)}


AREA_IDS = _area_ids()


def test_the_extraction_found_the_areas_messages() -> None:
    assert len(AREA_IDS) > 350, len(AREA_IDS)  # signatures, stages, verify, install, drill


@pytest.mark.parametrize("template", sorted(AREA_IDS), ids=lambda t: t[:60])
def test_every_message_of_these_areas_renders_in_chinese(template: str, zh) -> None:
    values = sample_values(template)
    try:
        english = L_(template, **values)
    except (ValueError, KeyError, IndexError):  # braces that are text: a registry's N_ literal
        values, english = {}, L_(template)
    chinese = shown(english)
    where = AREA_IDS[template]
    if template not in SAME_IN_CHINESE:
        assert chinese != str(english), f"{where}: {template!r} shows in English"
    for value in values.values():  # every placeholder filled in the Chinese too
        assert str(value) in chinese or isinstance(value, float), f"{where}: {template!r}"
    lost = kept_tokens(str(english)) - kept_tokens(chinese)
    assert not lost, f"{where}: {template!r}: the Chinese changed or dropped {sorted(lost)}"
    for en_line, zh_line in zip(str(english).splitlines(), chinese.splitlines(), strict=True):
        if cells(en_line) <= 60:  # a short English line stays one line of a terminal in zh
            assert cells(zh_line) <= 80, f"{where}: {zh_line!r} is {cells(zh_line)} columns"


def test_findings_and_hints_are_english_data_and_chinese_when_shown(zh) -> None:
    log = (KKLOGS / "real" / "kk1487-pull-manifest-unknown.log").read_text()
    report = triage_text(log)
    finding = report.findings[0]
    assert finding.to_json()["title"] == "image or tag missing on the registry"
    assert json.dumps(report.to_json(), ensure_ascii=False).isascii()
    assert shown(finding.title) == "镜像仓库中没有该镜像或标签"
    hint = match_hints(log)[0]
    assert str(hint.text).startswith("The registry kk pulls from has no such image:tag.")
    assert " (hosts: k8s-2) Fix: kk's China mirror" in hint.text
    assert shown(hint.text).startswith("kk 拉取镜像的仓库中没有该 image:tag。")
    assert "（主机：k8s-2）修复建议：kk 的国内镜像" in shown(hint.text)
    live = HintCollector()
    from kkui.core.kk.events import RawLine

    new = live.feed(RawLine("stdout", "[sudo] password for me:", 0.0))
    assert [shown(h.title) for h in new] == ["sudo 要求输入密码"]
    assert new[0].title == "sudo asks for a password"


def test_the_english_triage_report_is_unchanged_by_the_catalog() -> None:
    report = triage_text((KKLOGS / "real" / "kk1487-pull-manifest-unknown.log").read_text())
    text = render_text(report, source="x.log")
    assert text.splitlines()[:3] == [
        "outcome: kk failed (x.log)",
        "failed in: module PullModule, task PullImages of Pipeline[CreateClusterPipeline]",
        "failed hosts: k8s-2, k8s-1"]
    assert "\n1. image or tag missing on the registry [k8s-2] (high confidence, " \
        "image-not-found)\n   why: The registry kk pulls from" in text
    assert not CJK.search(text)


def _kkui(*args: str, cwd: Path, lang_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = netguard.subprocess_env({"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                   "COLUMNS": "200", **lang_env})
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "KKUI_LANG"):
        if name not in lang_env:
            env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=60, env=env)


def test_zh_triage_of_a_real_kk_log_is_chinese_and_fits_80_columns() -> None:
    folder = KKLOGS / "real"
    result = _kkui("triage", "kk1487-pull-manifest-unknown.log", cwd=folder,
                   lang_env={"LANG": "zh_CN.UTF-8"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("结果：kk 执行失败 (kk1487-pull-manifest-unknown.log)\n")
    assert "失败位置：模块 PullModule, 任务 PullImages" in out
    assert "1. 镜像仓库中没有该镜像或标签 [k8s-2]（可信度高，image-not-found）" in out
    assert "   原因：kk 拉取镜像的仓库中没有该 image:tag。" in out
    assert "`crictl pull <image>`" in out  # the command inside the Chinese, as it is
    long = [line for line in out.splitlines()
            if cells(line) > 80 and not line.startswith("   日志：")]  # kk's own lines
    assert not long, long
    assert "   日志：Error response from daemon: manifest for registry.cn-beijing" in out
    by_flag = _kkui("--lang", "zh", "triage", "kk1487-pull-manifest-unknown.log", cwd=folder,
                    lang_env={"LANG": "C"})
    assert by_flag.stdout == out


# runs `kkui triage --json` on every bundled kk log in one process (one per language)
_ALL_JSON = """
import contextlib, io, json, sys
from pathlib import Path
from kkui.cli import main
out = {}
for log in sorted(Path(sys.argv[1]).glob("*/*.log")):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["triage", "--json", str(log)])
    out[log.name] = [code, buf.getvalue()]
print(json.dumps(out))
"""


def test_triage_json_is_byte_identical_in_chinese_and_c(tmp_path: Path) -> None:
    runs = {}
    for lang in ("zh_CN.UTF-8", "C"):
        result = _kkui_python(_ALL_JSON, str(KKLOGS), lang=lang, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        runs[lang] = json.loads(result.stdout)
    assert len(runs["C"]) >= 60
    assert runs["zh_CN.UTF-8"] == runs["C"]
    assert all(code == 0 for code, _out in runs["C"].values())
    titles = {f["title"] for _c, out in runs["C"].values()
              for f in json.loads(out)["findings"]}
    assert "image or tag missing on the registry" in titles  # English, not 镜像…
    assert len(titles) > 30


def _kkui_python(code: str, *args: str, lang: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = netguard.subprocess_env({"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                   "LANG": lang})
    for name in ("LC_ALL", "LC_MESSAGES", "KKUI_LANG"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120, env=env)


def test_a_failed_install_reads_in_chinese_end_to_end(tmp_path: Path) -> None:
    """The fake kk replays kk v3.1.12's etcd health-check failure: the summary, the stage, the
    hint, the restart note and the evidence note are Chinese; kk's own lines are not."""
    from kk.test_cli import install_args, kkui

    result = kkui(install_args(tmp_path, "--yes"), tmp_path, scenario="etcd-failure",
                  LANG="zh_CN.UTF-8", LC_ALL="", LC_MESSAGES="", KKUI_LANG="")  # "": unset
    assert result.returncode == 1
    out = result.stdout
    assert "kkui: kk 失败（退出码 1），用时 00:00，失败于 ETCDConfigureModule（阶段 8/14 etcd）。" \
        in out
    assert "error: Pipeline[CreateClusterPipeline] execute failed" in out  # kk's, as it is
    assert "提示：etcd 健康检查持续失败" in out
    assert "（主机：node1）修复建议：在 etcd 节点上执行：`journalctl -u etcd -n 50 --no-pager`" \
        in out
    assert "kk v3 不支持断点续装：再次安装会从头开始" in out
    assert "  主机证据：node1：未收集证据：" in out
