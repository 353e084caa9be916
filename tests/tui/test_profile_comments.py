"""Issue #11 defect 10: a config started from a bundled profile keeps no comment that turns
false when the operator switches the endpoint mode (e.g. all-in-one's "No load balancer is
needed…" after choosing an external pair)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Select

from kkui.core.config.profiles import list_profiles, profiles_dir
from kkui.tui.modals.confirm import Confirm
from kkui.tui.screens.cluster import ENDPOINT_MODES

from .conftest import SIZE

# What a comment may say only while the config is in that mode (the profiles' old wordings).
MODE_CLAIMS = {
    "none": ("No load balancer is needed", "no internal load balancer", "One control plane:"),
    "haproxy": ("HA with kk's built-in HAProxy", "Internal loadbalancer for apiservers"),
    "kube-vip": ("HA with kube-vip", "The virtual IP kube-vip announces"),
    "external": ("HA with an external load-balancer pair", "No internalLoadbalancer",
                 "the external pair's VIP is the endpoint", "moves between lb1 and lb2"),
}
MODES = [value for _label, value in ENDPOINT_MODES]


def comments(path: Path) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in path.read_text().splitlines()
            if "#" in line and line.lstrip().startswith("#")]


def false_claims(path: Path, mode: str) -> list[str]:
    return [text for text in comments(path) for other, claims in MODE_CLAIMS.items()
            if other != mode for claim in claims if claim.lower() in text.lower()]


@pytest.mark.parametrize("profile", sorted(p.name for p in list_profiles()))
async def test_switching_the_mode_leaves_no_false_comment(make_app, tmp_path: Path,
                                                           profile: str) -> None:
    path = tmp_path / f"{profile}.yaml"
    shutil.copyfile(profiles_dir() / f"{profile}.yaml", path)
    path.chmod(0o600)
    first = path.read_text().splitlines()[0]
    assert first.startswith(f"# Made from kkui's {profile} profile: "), first
    for mode in MODES:
        app = make_app(path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
            select = app.screen.query_one("#endpoint-mode", Select)
            if select.value == mode:
                continue
            select.value = mode
            await pilot.pause()
            if isinstance(app.screen, Confirm):  # leaving "external": discard the pair
                await pilot.press("y")
                await pilot.pause()
            # "external" without a VIP yet stays pending on the screen (the file says none)
            assert app.document.model().lb_mode == mode or mode == "external"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not app.document.is_modified, f"{profile} → {mode} was not saved"
        assert false_claims(path, mode) == [], f"{profile} switched to {mode}"
        shutil.copyfile(profiles_dir() / f"{profile}.yaml", path)
