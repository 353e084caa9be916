"""Every triage signature, generated from the registry: its example from a real report must
match and its near miss must not (issue #12: one positive and one near-miss negative each)."""

from __future__ import annotations

import re

import pytest

from kkui.core.kk.triage import BY_ID, GROUPS, SIGNATURES, Triage, triage_text

IDS = [s.id for s in SIGNATURES]


def test_registry_is_broad_and_grouped_as_the_issue_lists() -> None:
    assert len(SIGNATURES) >= 40
    assert len(BY_ID) == len(SIGNATURES), "signature ids are unique"
    assert {s.group for s in SIGNATURES} == set(GROUPS), "every group has a signature"


@pytest.mark.parametrize("sid", IDS)
def test_signature_record_is_complete(sid: str) -> None:
    sig = BY_ID[sid]
    assert sig.links and all(link.startswith("https://github.com/") for link in sig.links)
    assert sig.kk_versions and sig.cause.strip() and sig.title.strip()
    assert "`" in sig.fix, "a fix names the exact command"
    assert sig.confidence in ("high", "medium", "low")
    assert all(victim in BY_ID for victim in sig.suppresses)
    assert any(t in sig.example.lower() for t in sig.triggers), "the pre-filter must let it in"
    if sig.zone != "cn":
        assert "--zone cn" not in sig.fix_cn, "cn advice never says --zone cn"


@pytest.mark.parametrize("sid", IDS)
def test_example_matches_and_near_miss_does_not(sid: str) -> None:
    sig = BY_ID[sid]
    engine = Triage(zone="cn" if sig.zone == "cn" else None)
    assert [s.id for s in engine.feed_line(sig.example)] .count(sid) == 1
    engine = Triage(zone="cn" if sig.zone == "cn" else None)
    assert sid not in [s.id for s in engine.feed_line(sig.near_miss)]
    assert sig.regex.search(sig.near_miss) is None, "rejected by the pattern itself"
    assert sig.regex.search(sig.example) is not None


@pytest.mark.parametrize("sid", IDS)
def test_example_inside_a_v3_failure_is_the_top_finding(sid: str) -> None:
    """The example as the reason of kk v3.1's failure block names the cause and the host."""
    sig = BY_ID[sid]
    text = ("10:53:02 CST [SomeModule] Some task\n"
            "10:53:03 CST failed: [node7]\n"
            "error: Pipeline[CreateClusterPipeline] execute failed: Module[SomeModule] exec "
            "failed: \n"
            "failed: [node7] [SomeTask] exec failed after 3 retries: command failed\n"
            f"{sig.example}\n")
    report = triage_text(text, zone="cn" if sig.zone == "cn" else None)
    ids = [f.id for f in report.findings]
    # a signature that explains another (e.g. cgroup driver > control-plane timeout) may win
    winners = {w.id for w in SIGNATURES if sid in w.suppresses} | {sid}
    assert ids and (ids[0] == sid or ids[0] in winners), ids
    finding = next(f for f in report.findings if f.id == sid) if sid in ids else None
    if finding is not None:
        named = re.match(r"\s*failed: \[([^\]]+)\]", sig.example) or \
            re.search(r"node=(\S+)$", sig.example)
        assert (named.group(1) if named else "node7") in finding.hosts
        assert finding.evidence and finding.evidence[-1] in sig.example


def test_zone_specific_advice_follows_the_context() -> None:
    blocked = BY_ID["download-blocked"]
    assert blocked.zone == "global"
    assert [f.id for f in triage_text(blocked.example).findings] == ["download-blocked"]
    assert triage_text(blocked.example, zone="cn").findings == []
    image = BY_ID["image-not-found"]
    cn = triage_text(image.example, zone="cn").findings[0]
    assert cn.fix == image.fix_cn and "--zone cn" not in cn.fix
    assert re.search(r"registry\.cn-beijing\.aliyuncs\.com", cn.fix)
