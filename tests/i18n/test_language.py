"""Choosing the language and what changes with it (issue #16): `--lang`, then KKUI_LANG, then
LC_ALL/LC_MESSAGES/LANG; help and summary lines in Chinese that fit 80 columns; `--json`
byte-identical in both languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kkui import i18n
from kkui.i18n.width import cells

ROOT = Path(__file__).resolve().parents[2]
KK_LOG = next(iter(sorted((ROOT / "tests" / "data" / "kklogs").rglob("*.log"))), None)
ZH = {"LANG": "zh_CN.UTF-8"}
EN = {"LANG": "C.UTF-8"}


def kkui(args: list[str], env: dict[str, str], cwd: Path = ROOT,
         ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "KKUI_LANG", "COLUMNS",
                         "LINES")}
    return subprocess.run([sys.executable, "-m", "kkui", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, stdin=subprocess.DEVNULL,
                          env={**base, "PYTHONPATH": str(ROOT), "NO_COLOR": "1",
                               "COLUMNS": "80", **env})


@pytest.fixture
def language() -> Iterator[None]:
    yield
    i18n.set_language("en")  # the rest of the process speaks English again


@pytest.mark.parametrize(("cli", "environ", "expected"), [
    (None, {}, "en"),
    (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
    (None, {"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
    (None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
    (None, {"LC_MESSAGES": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
    (None, {"LC_ALL": "zh_CN.UTF-8", "KKUI_LANG": "en"}, "en"),
    (None, {"LANG": "C", "KKUI_LANG": "zh"}, "zh"),
    ("en", {"LC_ALL": "zh_CN.UTF-8", "KKUI_LANG": "zh"}, "en"),
    ("zh", {"KKUI_LANG": "en"}, "zh"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),   # no catalog: English
    (None, {"KKUI_LANG": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # empty = not set
])
def test_language_precedence(cli: str | None, environ: dict[str, str], expected: str) -> None:
    assert i18n.resolve(cli, environ) == expected


def test_kkui_help_in_chinese_fits_80_columns() -> None:
    res = kkui(["--help"], ZH)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.startswith("用法: kkui")
    for text in ("选项:", "用 KubeKey v3 搭建高可用 Kubernetes 集群", "SSH 预检每个节点",
                 "显示帮助并退出", "Markdown 交接报告"):
        assert text in out
    assert "    verify       验收集群" in out  # command words stay as they are
    wide = [line for line in out.splitlines() if cells(line) > 80]
    assert not wide, wide


def test_kkui_help_in_english_is_unchanged_by_the_catalog() -> None:
    out = kkui(["--help"], EN).stdout
    assert out.startswith("usage: kkui")
    assert "    validate     check a config and print every problem with its fix" in out
    assert not any(cells(ch) == 2 for ch in out)


@pytest.mark.parametrize(("args", "env"), [
    (["--lang", "en", "--help"], ZH),
    (["--lang=en", "--help"], ZH),
    (["--help"], {**ZH, "KKUI_LANG": "en"}),
    (["--help"], {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}),
])
def test_lang_flag_and_kkui_lang_override_the_locale(args: list[str], env: dict[str, str],
                                                     ) -> None:
    assert kkui(args, env).stdout.startswith("usage: kkui")


def test_verify_help_in_chinese_keeps_check_ids() -> None:
    from kkui.core.verify.checks import REGISTRY

    out = kkui(["verify", "--help"], ZH).stdout
    assert out.startswith("用法: kkui verify")
    assert "  etcd-quorum       健康的 etcd 成员足以构成法定人数" in out
    assert "  lb-vip            VIP 恰好在一台负载均衡上" in out
    for check_id in REGISTRY:  # ids for --only are never translated
        assert f"  {check_id} " in out
    assert "KubeKey 配置文件（默认：./config-sample.yaml）" in out
    assert [line for line in out.splitlines() if cells(line) > 80 and cells(line) != len(line)
            ] == []  # every translated line fits; kk's long example commands are English


def test_bad_lang_is_an_argparse_error_in_one_line() -> None:
    res = kkui(["--lang", "fr", "--help"], EN)
    assert res.returncode == 2
    assert "argument --lang: invalid choice: 'fr'" in res.stderr
    assert "Traceback" not in res.stderr


def test_argparse_errors_in_chinese() -> None:
    res = kkui(["verify", "--timeout"], ZH)
    assert res.returncode == 2
    assert res.stderr.splitlines()[-1] == "kkui verify: 错误: 参数 --timeout：需要一个参数"


JSON_COMMANDS = [
    ["profiles", "--json"],
    ["validate", "--profile", "ha-external-lb", "--json"],
    ["export-config", "--profile", "all-in-one", "--json", "--force", "-o", "{tmp}/c.yaml"],
    ["history", "--json", "--db", "{tmp}/h.db"],
]
if KK_LOG is not None:
    JSON_COMMANDS.append(["triage", str(KK_LOG), "--json"])


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=lambda a: a[0])
def test_json_output_is_identical_in_both_languages(args: list[str], tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    outputs = [kkui(args, env, cwd=tmp_path) for env in (EN, ZH, {"KKUI_LANG": "zh"})]
    assert outputs[0].stdout.strip(), outputs[0].stderr
    json.loads(outputs[0].stdout)
    assert outputs[1].stdout == outputs[0].stdout
    assert outputs[2].stdout == outputs[0].stdout
    assert [o.returncode for o in outputs] == [outputs[0].returncode] * 3


def test_verify_summary_line_in_both_languages_json_unchanged(language: None) -> None:
    from kkui.core.verify.report import VerifyReport, VerifyResult

    report = VerifyReport((VerifyResult("etcd-quorum", "cluster", "pass", "3/3 healthy"),
                           VerifyResult("time", "node1", "warn", "skew 2 s"),
                           VerifyResult("dns", "cluster", "fail", "no answer", fix="fix it")))
    i18n.set_language("en")
    english = (report.summary_line(), json.dumps(report.as_dict()))
    assert english[0] == "1 passed, 1 warning, 1 failed, 0 could not be checked"
    i18n.set_language("zh")
    assert report.summary_line() == "1 项通过，1 项警告，1 项失败，0 项无法检查"
    assert json.dumps(report.as_dict()) == english[1]


def test_precheck_summary_line_in_chinese(language: None) -> None:
    from kkui.commands.precheck import _summary_line
    from kkui.core.precheck.report import CheckResult, HostReport, PrecheckReport

    bad = HostReport("node1", "127.0.0.1", "worker", (CheckResult("swap", "fail", "on"),
                                                      CheckResult("socat", "warn", "missing")))
    good = HostReport("node2", "127.0.0.2", "worker", (CheckResult("swap", "pass", "off"),))
    i18n.set_language("zh")
    line = _summary_line(PrecheckReport([bad, good]), sys.stdout)
    assert "2 个节点：1 项通过，1 项警告，1 项失败，0 项出错" in line
    assert "运行 `kk create cluster` 前请先修复 node1" in line
    i18n.set_language("en")
    assert "2 hosts: 1 passed, 1 warning, 1 failed, 0 errors — fix node1 before " \
        "`kk create cluster`" in _summary_line(PrecheckReport([bad, good]), sys.stdout)
