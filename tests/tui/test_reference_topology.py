"""Issue #11, done-when: the reference HA topology (lb1/lb2 + VIP, master1-3, worker1-3) built
from a file that does not exist yet, entirely with the console's keys; saved; prechecked against
real loopback sshd hosts (tests/support/sshlab.py); its LB pair rendered and checked by the real
``haproxy -c`` / ``keepalived -t``; and ``kk create cluster`` run by the stand-in kk
(tests/support/fake_kk.py) — with no crash and no change the operator did not make.

A real LB deploy needs a host with systemd and its own network namespace: that runs in
tests/lb/test_lab_deploy.py (the namespace lab), not against these loopback sshd hosts.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
import support.sshlab as sshlab_module
from textual.widgets import DataTable, Input, Select

from kkui.core.config import ClusterDocument
from kkui.tui.app import KkuiApp
from kkui.tui.modals.bulk_add import BulkAdd
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.host_form import HostForm
from kkui.tui.modals.kk_prompt import KkPrompt
from kkui.tui.modals.save_as import SaveAs

from .conftest import FAKE_KK, TRANSCRIPTS
from .test_install import install_finished, wait_until

sshlab = sshlab_module.sshlab  # the session fixture
pytestmark = pytest.mark.sshd
SIZE = (120, 40)
MASTERS = ("master1", "master2", "master3")
WORKERS = ("worker1", "worker2", "worker3")


async def fill(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def pause(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


def grid_marks(table: DataTable, row: str) -> set[str]:
    return {str(table.get_cell(row, col.key))
            for col in table.ordered_columns if col.key.value not in ("host", "role")}


@pytest.fixture
def lab_env(monkeypatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(tmp_path / "user_known_hosts"))
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(TRANSCRIPTS))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("FAKE_KK_SCENARIO", "success")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KKZONE", raising=False)
    record = tmp_path / "kk-record.json"
    monkeypatch.setenv("FAKE_KK_RECORD", str(record))
    return record


@pytest.mark.skipif(not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()),
                    reason="haproxy is not installed (bash .ci/run installs it)")
async def test_reference_topology_end_to_end(sshlab, lab_env, tmp_path) -> None:
    tag = id(tmp_path) % 1000
    lab = {n: sshlab.add_host(f"{n}-{tag}", **({"pkg_manager": "apt"} if n.startswith("lb")
                                                else {}))
           for n in (*MASTERS, *WORKERS, "lb1", "lb2")}
    block = lab["master1"].address.rsplit(".", 1)[0]
    vip = f"{block}.250"  # in the lab's loopback block; nothing listens there
    port, user, key = str(lab["master1"].port), sshlab.user, str(sshlab.key_path)
    new = tmp_path / "lab" / "new.yaml"
    new.parent.mkdir()
    app = KkuiApp(None, create_path=new, workdir=tmp_path / "work", kk_binary=FAKE_KK,
                  clock=lambda: 0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pause(pilot)
        # -- a blank start: -f names a file that does not exist yet
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pause(pilot)
        assert app.current_mode == "hosts" and not app.document.host_names()
        assert not new.exists(), "nothing is written before ctrl+s"

        # -- master1 through the form; the login is typed once
        await pilot.press("a")
        await fill(pilot, "#f-name", "master1")
        await fill(pilot, "#f-address", lab["master1"].address)
        await fill(pilot, "#f-user", user)
        await fill(pilot, "#f-port", port)
        await fill(pilot, "#f-privateKeyPath", key)
        await pilot.press("ctrl+o")
        await pause(pilot)
        # -- master2, master3: Duplicate proposes the next name and the next free address
        for name in ("master2", "master3"):
            await pilot.press("c")
            form = app.screen
            assert isinstance(form, HostForm)
            assert form.query_one("#f-name", Input).value == name
            assert form.query_one("#f-address", Input).value == lab[name].address
            await pilot.press("ctrl+o")
            await pause(pilot)
        # -- workers: bulk add from a range, the login offered from the last host
        await pilot.press("b")
        assert isinstance(app.screen, BulkAdd)
        assert app.screen.query_one("#b-user", Input).value == user
        assert app.screen.query_one("#b-port", Input).value == port
        first, last = lab["worker1"].address, lab["worker3"].address.rsplit(".", 1)[1]
        await fill(pilot, "#b-addresses", f"{first}-{last}")
        await pilot.press("ctrl+o")
        await pause(pilot)
        # -- the LB pair's hosts: bulk add with role loadbalancer
        await pilot.press("b")
        await fill(pilot, "#b-addresses", f"{lab['lb1'].address},{lab['lb2'].address}")
        app.screen.query_one("#role-loadbalancer").value = True
        await pause(pilot)
        assert app.screen.query_one("#b-pattern", Input).value == "lb{n}"
        await pilot.press("ctrl+o")
        await pause(pilot)
        model = app.document.model()
        assert [h.name for h in model.hosts] == [*MASTERS, *WORKERS]
        assert [h.name for h in model.kkui.load_balancer.hosts] == ["lb1", "lb2"]
        table = app.screen.query_one("#hosts-table", DataTable)
        assert table.row_count == 8 and "loadbalancer" in str(table.get_cell("lb:lb1", "roles"))

        assert [h.name for h in model.worker_hosts] == list(WORKERS), "bulk add's role"
        # -- roles: the masters get etcd + control-plane (keys e, c on their rows)
        await pilot.press("2")
        await pause(pilot)
        grid = app.screen.query_one("#roles-table", DataTable)
        for row, _name in enumerate(MASTERS):
            grid.move_cursor(row=row)
            await pilot.press("e", "c")
            await pause(pilot)
        model = app.document.model()
        assert [h.name for h in model.control_plane_hosts] == list(MASTERS)
        assert [h.name for h in model.etcd_hosts] == list(MASTERS)
        assert [h.name for h in model.worker_hosts] == list(WORKERS)

        # -- cluster: the endpoint is the external pair's VIP
        await pilot.press("3")
        await pause(pilot)
        app.screen.query_one("#endpoint-mode", Select).value = "external"
        await pause(pilot)
        app.screen.query_one("#r-endpoint-address").focus()
        await pilot.press("enter", *vip, "enter")
        await pause(pilot)
        app.screen.query_one("#r-cluster-name").focus()
        await pilot.press("enter", "ctrl+u", *"lab-ha", "escape")
        await pause(pilot)
        model = app.document.model()
        assert model.lb_mode == "external" and model.kkui.load_balancer.vip == vip
        assert model.control_plane_endpoint.address == vip and model.name == "lab-ha"
        errors = [p for p in app.document.validate() if p.severity == "error"]
        assert not errors, errors

        # -- save: ctrl+s proposes the -f file
        await pilot.press("ctrl+s")
        await pause(pilot)
        assert isinstance(app.screen, SaveAs)
        await pilot.press("enter")
        await pause(pilot)
        assert new.exists() and stat.S_IMODE(new.stat().st_mode) == 0o600
        assert not app.document.is_modified

        # -- precheck every host (LB hosts too) over real SSH
        await pilot.press("5")
        await pause(pilot)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pause(pilot)
        screen = app.screen
        assert set(screen.reports) == {*MASTERS, *WORKERS, "lb1", "lb2"}
        failing = {(h.name, c.id) for h in screen.final.hosts for c in h.checks
                   if c.status in ("fail", "error")}
        lb_checks = {c.id for c in screen.reports["lb1"].checks}
        assert {"haproxy", "keepalived"} <= lb_checks, "LB hosts get the LB checks"
        assert screen.final.ok, failing
        grid = screen.query_one("#grid", DataTable)
        assert "✘" not in grid_marks(grid, "master2")

        # -- the LB pair: render + check with the real haproxy -c and keepalived -t
        await pilot.press("7")
        await pause(pilot)
        await pilot.press("k")
        await app.workers.wait_for_complete()
        await pause(pilot)
        output = "\n".join(str(line.text) for line in app.screen.query_one("#lb-output").lines)
        assert "generated authPass and statsPassword" in output
        assert "every file passed" in output, output
        checked = [line for line in output.splitlines() if line.startswith("ok: ")]
        assert len(checked) == 4 and "skipped" not in output, output  # 2 files x 2 LBs
        assert app.document.is_modified, "the generated VRRP password is an edit, not silent"
        await pilot.press("ctrl+s")
        await pause(pilot)
        saved = ClusterDocument.load(new).model().kkui.load_balancer.secrets
        assert saved.auth_pass and saved.stats_password
        secret = saved.auth_pass
        assert secret not in output and saved.stats_password not in output, \
            "the LB pane never shows the generated passwords"

        # -- install: warned that the pair is not answering, then kk runs to the end
        await pilot.press("6")
        await pause(pilot)
        await pilot.press("i")
        await pause(pilot)
        assert isinstance(app.screen, Confirm)
        assert "has not answered" in str(app.screen.query_one("#dialog-text").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt), timeout=60)
        await pilot.press("y")
        await install_finished(pilot)
        assert app.screen.progress.outcome == "succeeded"
        assert "Cluster installed" in str(app.screen.query_one("#banner").render())
        assert app.is_running

    # -- no silent change: the file on disk is what the session built, kk got kk's part only
    assert not app.document.is_modified
    text = new.read_text()
    assert text == app.document.to_text()
    kk_config = json.loads(lab_env.read_text())["config"]
    assert "KkuiSettings" not in kk_config and secret not in kk_config
    assert f"address: {vip}" in kk_config or f'address: "{vip}"' in kk_config
    for name in (*MASTERS, *WORKERS):
        assert f"name: {name}," in kk_config
