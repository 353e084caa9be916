"""Drill refusals, timeline words, verdicts and the ``--report`` file in Chinese (issue #16);
``--json`` (``DrillReport.as_dict``) and the English report unchanged. Pure: no host is
contacted (the plans come from a config text, the report is built from its parts)."""

from __future__ import annotations

import json

import pytest
from verify.test_drill_lab import _model

from kkui import i18n
from kkui.core.drill.actions import master_action, worker_action
from kkui.core.drill.monitor import Sample
from kkui.core.drill.report import DrillReport, Event, Verdict
from kkui.core.drill.runner import DrillOptions, DrillRefused, plan_drill
from kkui.i18n import L_, shown


@pytest.mark.parametrize(("masters", "etcd", "kind", "english", "chinese"), [
    (1, 1, "master", "a master drill needs at least two control-plane nodes: with one, "
     "stopping it stops the cluster",
     "主节点演练至少需要两个控制平面节点：只有一个时，停止它就会让集群停止"),
    (2, 2, "master", "stopping m2 leaves 1 of 2 etcd members, below the quorum of 2: refused",
     "停止 m2 后 2 个 etcd 成员只剩 1 个，低于法定人数 2：拒绝执行"),
])
def test_a_refused_drill_says_why_in_chinese(masters: int, etcd: int, kind: str, english: str,
                                              chinese: str, zh: None) -> None:
    with pytest.raises(DrillRefused) as caught:
        plan_drill(_model(masters, etcd), DrillOptions(kind=kind))  # type: ignore[arg-type]
    assert str(caught.value) == english  # what logs and run records keep
    assert shown(caught.value.args[0]) == chinese


def test_an_unknown_target_names_the_candidates_in_chinese(zh: None) -> None:
    with pytest.raises(DrillRefused) as caught:
        plan_drill(_model(3, 3), DrillOptions(kind="master", target="w9"))
    assert str(caught.value) == ("--target w9: not a control-plane node of the config "
                                 "(control-plane nodes: m1, m2, m3)")
    assert shown(caught.value.args[0]) == \
        "--target w9：不是配置文件中的控制平面节点（配置文件中的控制平面节点：m1, m2, m3）"


def _report() -> DrillReport:
    plan = [master_action("m3", etcd=True, mode="stop"), worker_action("w1", mode="stop")]
    report = DrillReport("reference", "stop", {a.host: a.description for a in plan},
                         "https://10.0.0.100:6443", 3)
    report.events = [
        Event(0.0, 0.0, L_("watching from {host}", host="m1")),
        Event(2.0, 2.0, L_("{host}: {what}", host="m3", what=plan[0].description)),
        Event(3.0, 3.0, L_("etcd: {count} healthy members", count=2)),
        Event(9.0, 9.0, L_("{host}: restored", host="m3")),
    ]
    report.samples = [Sample(0.0, 0.0, True, True, 3, {"w1": True}),
                      Sample(1.0, 1.0, False, True, 2, {"w1": False}),
                      Sample(2.0, 2.0, True, True, 3, {"w1": True})]
    report.verdicts = [
        Verdict(L_("etcd kept its quorum"), True,
                L_("lowest: {lowest} of {total} healthy ({needed} needed)", lowest=2, total=3,
                   needed=2)),
        Verdict(L_("the API kept answering through the endpoint"), False,
                L_("longest outage {outage:.1f} s (tolerance {tolerance:g} s)", outage=1.0,
                   tolerance=0.5)),
    ]
    return report


def test_the_drill_report_is_chinese_and_its_json_english() -> None:
    report = _report()
    english_json = json.dumps(report.as_dict(), sort_keys=True)
    english = report.markdown()
    assert "| etcd kept its quorum | ✔ pass | lowest: 2 of 3 healthy (2 needed) |" in english
    assert "- `m3`: stop kubelet, kube-apiserver, etcd" in english
    assert f"| {_stamp(2.0)} | 2.0 | m3: stop kubelet, kube-apiserver, etcd |" in english
    assert "- API outage through the endpoint (longest): 1.0 s" in english
    i18n.set_language("zh")
    try:
        chinese = report.markdown()
        assert json.dumps(report.as_dict(), sort_keys=True) == english_json
    finally:
        i18n.set_language("en")
    assert "## 结论" in chinese and "## 时间线" in chinese
    assert "| etcd 保持了法定人数 |" in chinese
    assert "最低：3 个中 2 个健康（需要 2 个） |" in chinese
    assert "- `m3`: 停止 kubelet、kube-apiserver、etcd" in chinese
    assert "m3：停止 kubelet、kube-apiserver、etcd |" in chinese
    assert "| 经入口访问 API 始终有响应 |" in chinese
    assert "最长中断 1.0 秒（容忍 0.5 秒）" in chinese
    assert "- 经入口访问 API 的最长中断：1.0 秒" in chinese
    assert "etcd：2 个健康成员" in chinese and "从 m1 观察" in chinese
    assert report.markdown() == english  # back in English: the same bytes


def _stamp(wall: float) -> str:
    return Event(wall, 0.0, "").stamp()
