"""The LB commands in Chinese (issue #16): the core's messages (SSH errors, render checks,
validation problems, drill refusals) are shown in Chinese, ``--json`` stays byte-identical.

No network beyond loopback: the profile is moved to 127.0.233.0/24, where nothing listens on
port 22, so ``lb status`` meets real "connection refused" errors.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lb.helpers import profile_doc

from kkui import i18n
from kkui.core.lb.drill import DrillRefused, run_drill
from kkui.core.lb.validate import validate_lb
from kkui.i18n import L_, _, shown

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def loopback_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    profile_doc(secrets=True).save(path)
    path.write_text(path.read_text().replace("192.168.233.", "127.0.233."))
    assert "192.168.233." not in path.read_text()
    return path


def kkui(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LINES", "COLUMNS", "KKUI_LANG", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG=lang, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=60)



def test_lb_status_json_is_the_same_in_every_language_and_the_text_is_chinese(
        tmp_path: Path) -> None:
    cfg = loopback_config(tmp_path)
    english = kkui("lb", "status", "-f", str(cfg), "--json", lang="C")
    chinese = kkui("lb", "status", "-f", str(cfg), "--json", lang="zh_CN.UTF-8")
    assert english.returncode == chinese.returncode == 1, english.stderr
    assert chinese.stdout == english.stdout
    errors = [h["error"] for h in json.loads(english.stdout)["hosts"]]
    assert errors and all("connection refused: nothing listens on port 22" in e for e in errors)
    shown_zh = kkui("lb", "status", "-f", str(cfg), lang="zh_CN.UTF-8").stdout
    assert "连接被拒绝：端口 22 上没有服务监听" in shown_zh, shown_zh
    assert "lb1 (root@127.0.233.10:22)" in shown_zh  # host names and addresses as they are


def test_every_validation_problem_of_a_broken_pair_is_chinese(zh) -> None:
    doc = profile_doc(secrets=True)
    for field, value in (("loadBalancer.vip", "10.9.9.9"), ("loadBalancer.prefix", 24),
                         ("loadBalancer.virtualRouterId", 300), ("loadBalancer.interface",
                                                                 "bad name!"),
                         ("loadBalancer.secrets.authPass", "has space and is long")):
        doc.set_kkui(field, value)
    problems = validate_lb(doc.model())
    assert len(problems) >= 5
    for problem in problems:
        assert isinstance(problem.message, L_), problem
        text = shown(problem.message)
        assert CJK.search(text) and "{" not in text, text
        # field names and values stay as they are inside the Chinese
        assert all(word in text for word in re.findall(r"loadBalancer\.\w+",
                                                       problem.message)), text


class _Host:
    def __init__(self, name: str, *, holds: bool, state: str = "active") -> None:
        self.name, self._holds, self._state = name, holds, state

    def holds_vip(self) -> bool:
        return self._holds

    def service_state(self, service: str) -> str:
        return self._state


@pytest.mark.parametrize("hosts, answers, expected", [
    ([_Host("lb1", holds=True)], True, "演练至少需要两台负载均衡主机"),
    ([_Host("lb1", holds=False), _Host("lb2", holds=False)], True, "没有"),
    ([_Host("lb1", holds=True), _Host("lb2", holds=True)], True, "脑裂"),
    ([_Host("lb1", holds=True), _Host("lb2", holds=False)], False,
     "演练前 10.0.0.1:6443 就没有应答"),
    ([_Host("lb1", holds=True), _Host("lb2", holds=False, state="inactive")], True,
     "没有负载均衡主机能从 lb1 接管虚拟 IP：lb2 上 haproxy 为 inactive 和 keepalived 为 inactive"),
])
def test_drill_refusals_are_chinese(zh, hosts, answers, expected) -> None:
    with pytest.raises(DrillRefused) as refused:
        run_drill(hosts, lambda: answers, target="10.0.0.1:6443")
    message = refused.value.args[0]
    assert expected in shown(message)
    assert not CJK.search(str(message))  # the exception's own text (records, logs) is English
    assert _("the drill needs at least two LB hosts") != "the drill needs at least two LB hosts"


@pytest.mark.netns  # root: keepalived -t runs in a scratch network namespace
def test_lb_render_check_reports_in_chinese(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from kkui.cli import main

    cfg = tmp_path / "config.yaml"
    profile_doc(secrets=True).save(cfg)
    out = tmp_path / "out"
    try:
        assert main(["--lang", "zh", "lb", "render", "-f", str(cfg), "-o", str(out),
                     "--check"]) == 0
    finally:
        i18n.set_language("en")
    printed = capsys.readouterr().out
    for lb in ("lb1", "lb2"):
        assert f"{out}/{lb}/haproxy.cfg: haproxy -c：有效" in printed, printed
        assert (f"{out}/{lb}/keepalived.conf: 在带有名为 eth0 的链路的临时网络命名空间中执行 "
                "keepalived -t：有效") in printed, printed


def test_the_deploy_plan_is_chinese(zh) -> None:
    from kkui.core.lb.deploy import plan
    from kkui.core.lb.render import render_all

    lines = [shown(line) for line in plan(render_all(profile_doc(secrets=True).model()))]
    assert any("用主机的包管理器安装" in line for line in lines)
    assert lines[-1] == "逐台主机执行；遇到第一个失败即停止部署。"
    assert "lb1 (192.168.233.10):" in lines  # names and addresses as they are (no traffic)
    assert all(not CJK.search(str(line)) for line in plan(render_all(
        profile_doc(secrets=True).model())))
