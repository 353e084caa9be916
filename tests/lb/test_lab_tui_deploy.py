"""Issue #11 "done when": the LB pair deployed FROM THE TUI (LB pair screen, `d`, confirm) into
the netns lab, with real sshd, haproxy and keepalived on each LB.

The Pilot scenario runs in a thread that setns() into the lab's client namespace before the
app starts; Textual's worker threads are started from that thread and inherit its network
namespace, so every SSH connection and VIP probe of the deploy stays inside the lab (the root
namespace has an `unreachable` route for the lab's subnet)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from lb.netns_lab import Lab, NetnsThread, close_and_check, running

from kkui.core.config import ClusterDocument
from kkui.core.lb.drill import find_holders

pytestmark = [pytest.mark.netns, pytest.mark.sshd]

BACKENDS = ["master1", "master2", "master3"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    made = Lab(tmp_path_factory.mktemp(f"lb-tui-lab-{os.getpid()}"), name="tui", ssh=True,
               deploy=True)
    with running(made, close_and_check):
        yield made


def run_in_client_namespace(lab: Lab, scenario: object) -> object:
    thread = NetnsThread(lab.ns("client"))
    try:
        return thread.call(lambda: asyncio.run(scenario))  # type: ignore[arg-type]
    finally:
        thread.close()


def test_tui_deploys_the_pair_and_the_vip_answers(lab: Lab, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from kkui.tui.app import KkuiApp
    from kkui.tui.modals.confirm import Confirm

    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True,
                            text=True, check=True).stdout
    assert f"unreachable {lab.route}" in routes  # the root namespace cannot reach the lab
    for name in ("lb1", "lb2"):  # a fresh pair: nothing runs until the TUI deploys it
        assert lab.lb_pids(name, "haproxy") == [] and lab.lb_pids(name, "keepalived") == []
    config = lab.write_config(tmp_path / "cluster.yaml")
    assert "192.168.233." not in config.read_text()
    home = tmp_path / "home"
    home.mkdir()
    for key, value in Lab.kkui_env(home).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    app = KkuiApp(ClusterDocument.load(config), workdir=tmp_path / "work", clock=lambda: 0.0)
    seen: dict[str, str] = {}

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("7")  # the LB pair screen
            await pilot.pause()
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            seen["plan"] = str(app.screen.query_one("#dialog-text").render())
            await pilot.press("y")
            await pilot.pause()
            await app.workers.wait_for_complete()  # the deploy worker (bounded: HOLDER_WAIT)
            await pilot.pause()
            seen["output"] = "\n".join(str(line.text)
                                       for line in app.screen.query_one("#lb-output").lines)
            seen["state"] = app.lb_state
            await pilot.press("ctrl+s")  # the generated VRRP/stats passwords, if any
            await pilot.pause()

    run_in_client_namespace(lab, scenario())
    output = seen["output"]
    assert "lb1 (" in seen["plan"] and "lb2 (" in seen["plan"], seen["plan"]
    assert output.count("restart: done") == 2, output
    assert "✔ the pair answers" in output, output
    assert seen["state"] == "answering"
    secrets = ClusterDocument.load(config).model().kkui.load_balancer.secrets
    for secret in (secrets.auth_pass, secrets.stats_password):
        assert not secret or secret not in output, "the LB pane never shows the passwords"
    # one VIP holder, and the three apiservers answer through the VIP in turn
    holders = find_holders(lab.ops())
    assert len(holders) == 1, holders
    vip = str(lab.model.kkui.load_balancer.vip)
    answers = [lab.fetch(vip) for _ in range(2 * len(BACKENDS))]
    assert sorted(answers[:3]) == BACKENDS, answers
    assert answers[3:] == answers[:3], answers  # round robin over every control plane
