"""What the commands print in Chinese under LANG=zh_CN.UTF-8 (issue #16), and the same run in
English, byte for byte what it was: validate, export-config, profiles, lb render and status,
drill's refusals, and the one-line errors (`kkui: 错误: ...`). No host answers (the config's
SSH ports are 1 on loopback), so nothing is contacted."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.zh_cluster import BROKEN, EN, REFUSED, ZH, kkui


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "refused.yaml").write_text(REFUSED)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    return tmp_path


def test_validate_in_chinese(work: Path) -> None:
    zh = kkui(["validate", "-f", "broken.yaml"], ZH, work)
    en = kkui(["validate", "-f", "broken.yaml"], EN, work)
    assert zh.returncode == en.returncode == 1
    last = zh.stdout.splitlines()[-1]
    assert last.startswith("broken.yaml: ") and "个错误" in last and "个警告" in last
    assert last.endswith("修复错误之前 kk 无法使用")
    assert any(line.startswith("错误: spec.roleGroups") for line in zh.stdout.splitlines())
    assert any(line.startswith("警告: ") for line in zh.stdout.splitlines())
    # English: the long-standing words
    assert en.stdout.splitlines()[-1].endswith("not usable by kk until the errors are fixed")
    assert any(line.startswith("error: spec.roleGroups") for line in en.stdout.splitlines())


def test_export_config_refusals_in_chinese(work: Path) -> None:
    res = kkui(["export-config", "-f", "refused.yaml", "-o", "refused.yaml"], ZH, work)
    assert res.returncode == 2
    assert res.stderr.splitlines()[-1] == \
        "kkui: refused.yaml 已存在；加 --force 覆盖（现有文件保留为 refused.yaml.bak）"
    res = kkui(["export-config", "--add-host", "name=x,password=hunter2", "-o", "-"], ZH, work)
    assert res.returncode == 2
    assert res.stderr.strip() == ("kkui: 错误: --add-host x：不接受在命令行中写密码（`ps` "
                                  "能看到）；请用 password=env:VAR 或 password=prompt")
    assert "hunter2" not in res.stdout + res.stderr
    res = kkui(["export-config", "--set", "spec.nothing"], ZH, work)
    assert res.stderr.strip() == "kkui: 错误: --set 'spec.nothing'：应为 DOTTED.PATH=VALUE"
    (work / "adir").mkdir()
    res = kkui(["export-config", "-f", "refused.yaml", "-o", "adir"], ZH, work)
    assert res.stderr.splitlines()[-1] == "kkui: 错误: adir: 是一个目录：请给出文件名而不是目录"
    res = kkui(["export-config", "--set", "spec.nothing"], EN, work)
    assert res.stderr.strip() == "kkui: error: --set 'spec.nothing': expected DOTTED.PATH=VALUE"


def test_export_config_written_in_chinese(work: Path) -> None:
    res = kkui(["export-config", "--profile", "all-in-one", "-o", "new.yaml"], ZH, work)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "已写入 new.yaml（权限 0600，0 个警告）"


def test_lb_render_and_status_in_chinese(work: Path) -> None:
    res = kkui(["lb", "render", "-f", "refused.yaml", "-o", "lb"], ZH, work)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "已写入 lb/lb1/haproxy.cfg"
    res = kkui(["lb", "status", "-f", "refused.yaml"], ZH, work)
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert "lb1: haproxy 未知，keepalived 未知，未知" in lines
    assert "有负载均衡无法查询，VIP 持有者不确定" in lines
    assert "从本机无法访问 127.0.0.18:6443" in lines
    en = kkui(["lb", "status", "-f", "refused.yaml"], EN, work).stdout.splitlines()
    assert "lb1: haproxy unknown, keepalived unknown, unknown" in en
    assert "127.0.0.18:6443 does NOT answer from this machine" in en


def test_drill_refusals_in_chinese(work: Path) -> None:
    res = kkui(["lb", "drill", "-f", "refused.yaml"], ZH, work)
    assert res.returncode == 2
    assert res.stderr.strip() == ("kkui: 错误: 演练会停止持有 VIP 的负载均衡上的 haproxy，"
                                  "API 会中断几秒：请加 --yes 重新运行")
    res = kkui(["drill", "reference", "-f", "refused.yaml"], ZH, work)
    assert res.returncode == 2
    last = res.stderr.splitlines()[-1]
    assert last.startswith("kkui: 演练内容：（持有 VIP 的负载均衡）: ")
    assert last.endswith("没有终端时请加 --yes。")


def test_errors_are_one_chinese_line(work: Path) -> None:
    res = kkui(["triage", "--collect", "refused.yaml"], ZH, work)
    assert res.returncode == 2
    assert res.stderr.strip() == ("kkui: 错误: --collect 需要 -f CONFIG：主机及其 SSH 凭据来自"
                                  "配置文件")
    res = kkui(["drill", "master", "-f", "refused.yaml", "--hold", "0"], ZH, work)
    assert res.returncode == 2
    assert res.stderr.splitlines()[-1] == "kkui drill: 错误: 参数 --hold：必须大于 0"
    assert "Traceback" not in res.stderr


def test_profiles_in_chinese(work: Path) -> None:
    out = kkui(["profiles"], ZH, work).stdout
    assert out.splitlines()[-1] == ("用法: kkui export-config --profile NAME -o "
                                    "config-sample.yaml   （或: kkui tui --profile NAME）")
