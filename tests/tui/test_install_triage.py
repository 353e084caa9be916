"""The TUI Install screen shows the finding `kkui triage` puts first for the same log
(issue #12: one triage engine for the CLI install, the TUI and `kkui triage`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kkui.core.kk.triage import triage_text

from .conftest import FAKE_KK, SIZE
from .test_install import banner, install_finished, start_install

KKLOGS = Path(__file__).resolve().parents[1] / "data" / "kklogs"


@pytest.mark.parametrize("case", ["real/kk1487-pull-manifest-unknown",
                                  "synthetic/init-cgroup-driver-with-journal",
                                  "synthetic/cn-dns-could-not-resolve"])
async def test_install_screen_hint_is_the_top_triage_finding(make_app, config_path, tmp_path,
                                                             monkeypatch, case) -> None:
    lines = (KKLOGS / f"{case}.log").read_text().splitlines()
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("".join(f"E {line}\n" for line in lines) + "!exit 1\n")
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await install_finished(pilot)
        screen = app.screen
        report = triage_text(screen.log_path.read_text())
        assert report.outcome == "failed" and report.findings
        top = report.findings[0]
        assert f"Hint: {top.title}." in banner(app)
        assert [h.key for h in screen.hints.best(1)] == [top.id]


async def test_install_screen_on_the_cn_zone_never_advises_the_cn_zone(make_app, config_path,
                                                                       tmp_path,
                                                                       monkeypatch) -> None:
    config_path.write_text(config_path.read_text() + (
        "---\napiVersion: kkui/v1alpha1\nkind: KkuiSettings\nmetadata: {name: sample}\n"
        "spec:\n  kk: {version: v3.1.12, zone: cn}\n"))
    lines = (KKLOGS / "synthetic" / "global-googleapis-blocked.log").read_text().splitlines()
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("".join(f"E {line}\n" for line in lines) + "!exit 1\n")
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KKZONE", raising=False)
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await install_finished(pilot)
        text = banner(app)
        assert "Install failed" in text
        assert "--zone cn" not in text and "Downloads from github.com" not in text
