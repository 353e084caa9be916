"""`lb deploy` and `lb status` over real SSH to loopback sshd hosts (tests/support/sshlab.py).

The hosts' tools are stubs (sudo cannot make anyone root here), so deploy writes under a
per-test directory instead of /etc (``root=``); `haproxy -c` is the real haproxy where noted.
"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
from support.sshlab import LabHost, SshLab, sshlab  # noqa: F401 - the fixture

from kkui.cli import main
from kkui.core.config import ClusterDocument
from kkui.core.lb.deploy import deploy_all
from kkui.core.lb.remote import lb_sessions
from kkui.core.lb.render import render_all
from kkui.core.lb.secrets import ensure_secrets

pytestmark = pytest.mark.sshd

LOGGING_SYSTEMCTL = """#!/bin/sh
echo "$*" >> '{log}'
if [ "$1" = is-active ]; then shift; for u in "$@"; do echo active; done; fi
exit 0
"""
REAL_HAPROXY = '#!/bin/sh\nexec /usr/sbin/haproxy "$@"\n'
OK = "#!/bin/sh\nexit 0\n"


@pytest.fixture(autouse=True)
def private_known_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KKUI_KNOWN_HOSTS", str(tmp_path / "kkui_known_hosts"))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(tmp_path / "user_known_hosts"))


def writable_dir(lab: SshLab, name: str) -> Path:
    """A directory the lab's (non-root) SSH user may write, reachable through 0755 parents."""
    path = lab.dir / name
    path.mkdir()
    entry = pwd.getpwnam(lab.user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def lb_config(lab: SshLab, tmp_path: Path, lb_hosts: list[LabHost],
              name: str) -> ClusterDocument:
    masters = [{"name": f"{name}-m{i}", "address": f"{lab.block}.{200 + i}",
                "internalAddress": f"{lab.block}.{200 + i}"} for i in (1, 2, 3)]
    cfg = lab.write_config(
        tmp_path / "config.yaml", masters, lb_hosts=lb_hosts,
        roles={"etcd": [m["name"] for m in masters],
               "control-plane": [m["name"] for m in masters],
               "worker": [m["name"] for m in masters]},
        lb={"vip": f"{lab.block}.240", "prefix": 24, "port": 6443, "interface": "lo",
            "virtualRouterId": 51})
    doc = ClusterDocument.load(cfg)
    ensure_secrets(doc)
    doc.save()
    return doc


def test_deploy_installs_uploads_with_backups_checks_and_restarts(
        sshlab: SshLab, tmp_path: Path) -> None:  # noqa: F811
    logs = writable_dir(sshlab, "dep-logs")
    # psmisc (killall) is there; the stub apt-get "installs" haproxy and keepalived
    fresh = sshlab.add_host("dep-fresh", pkg_manager="apt", stubs={
        "systemctl": LOGGING_SYSTEMCTL.format(log=logs / "fresh"), "killall": OK})
    ready = sshlab.add_host("dep-ready", stubs={
        "systemctl": LOGGING_SYSTEMCTL.format(log=logs / "ready"), "haproxy": REAL_HAPROXY,
        "keepalived": OK, "killall": OK})
    doc = lb_config(sshlab, tmp_path, [fresh, ready], "dep")
    model = doc.model()
    root = writable_dir(sshlab, "dep-root")
    seed_old_config(sshlab, root)
    rendered = render_all(model)
    steps: list[str] = []
    with lb_sessions(model.kkui.load_balancer.hosts) as sessions:
        results = deploy_all(list(zip(sessions, rendered, strict=True)), root=str(root),
                             on_step=lambda s: steps.append(f"{s.host}:{s.step}:{s.status}"))
    assert [r.ok for r in results] == [True, True], results
    assert steps == [
        "dep-fresh:packages:done", "dep-fresh:upload:done", "dep-fresh:check:done",
        "dep-fresh:install:done", "dep-fresh:restart:done",
        "dep-ready:packages:skipped", "dep-ready:upload:done", "dep-ready:check:done",
        "dep-ready:install:done", "dep-ready:restart:done"]
    # the last host's files are live, private, and the first deploy's files are the backups
    live = root / "etc" / "haproxy" / "haproxy.cfg"
    assert live.read_text() == rendered[1].haproxy_cfg
    assert (root / "etc/keepalived/keepalived.conf").read_text() == rendered[1].keepalived_conf
    assert oct(live.stat().st_mode & 0o777) == "0o600"
    backups = sorted(p.name for p in (root / "etc" / "haproxy").glob("*.bak"))
    assert len(backups) == 1 and backups[0].startswith("haproxy.cfg.kkui-")
    assert not list(root.rglob("*.kkui-new"))
    for name in ("fresh", "ready"):
        assert (logs / name).read_text().splitlines() == [  # haproxy runs: reload it
            "is-active haproxy", "enable haproxy keepalived", "reload haproxy",
            "restart keepalived", "is-active haproxy keepalived"]


def test_a_failed_check_leaves_the_live_config_and_stops_before_the_next_host(
        sshlab: SshLab, tmp_path: Path) -> None:  # noqa: F811
    logs = writable_dir(sshlab, "bad-logs")
    broken_haproxy = '#!/bin/sh\necho "[ALERT] parsing: unknown keyword" >&2\nexit 1\n'
    bad = sshlab.add_host("bad-first", stubs={
        "systemctl": LOGGING_SYSTEMCTL.format(log=logs / "bad"), "haproxy": broken_haproxy,
        "keepalived": OK, "killall": OK})
    good = sshlab.add_host("bad-second", stubs={
        "systemctl": LOGGING_SYSTEMCTL.format(log=logs / "good"), "haproxy": REAL_HAPROXY,
        "keepalived": OK, "killall": OK})
    model = lb_config(sshlab, tmp_path, [bad, good], "bad").model()
    root = writable_dir(sshlab, "bad-root")
    seed_old_config(sshlab, root)
    with lb_sessions(model.kkui.load_balancer.hosts) as sessions:
        results = deploy_all(list(zip(sessions, render_all(model), strict=True)),
                             root=str(root))
    assert len(results) == 1 and not results[0].ok
    failed = results[0].steps[-1]
    assert (failed.step, failed.status) == ("check", "failed")
    assert "unknown keyword" in failed.detail
    assert (root / "etc/haproxy/haproxy.cfg").read_text() == "# the old config\n"
    assert not list(root.rglob("*.kkui-new")) and not list(root.rglob("*.bak"))
    assert not (logs / "bad").exists() and not (logs / "good").exists()


def test_a_service_not_active_after_the_restart_fails_the_deploy(
        sshlab: SshLab, tmp_path: Path) -> None:  # noqa: F811
    logs = writable_dir(sshlab, "ka-logs")
    # systemctl's own rule: `is-active A B` exits 0 when any one of them is active
    keepalived_failed = (f"#!/bin/sh\necho \"$*\" >> '{logs / 'first'}'\n"
                         'if [ "$1" = is-active ]; then echo active; echo failed; fi\nexit 0\n')
    first = sshlab.add_host("ka-first", stubs={
        "systemctl": keepalived_failed, "haproxy": REAL_HAPROXY, "keepalived": OK,
        "killall": OK})
    second = sshlab.add_host("ka-second", stubs={
        "systemctl": LOGGING_SYSTEMCTL.format(log=logs / "second"), "haproxy": REAL_HAPROXY,
        "keepalived": OK, "killall": OK})
    model = lb_config(sshlab, tmp_path, [first, second], "ka").model()
    with lb_sessions(model.kkui.load_balancer.hosts) as sessions:
        results = deploy_all(list(zip(sessions, render_all(model), strict=True)),
                             root=str(writable_dir(sshlab, "ka-root")))
    assert len(results) == 1 and not results[0].ok
    failed = results[0].steps[-1]
    assert (failed.step, failed.status) == ("restart", "failed")
    assert failed.detail.startswith("not active after the restart: keepalived (failed)")
    assert (logs / "first").read_text().splitlines()[-1] == "is-active haproxy keepalived"
    assert not (logs / "second").exists()  # the second LB was not touched


def test_status_reports_split_brain_with_exit_1(
        sshlab: SshLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    vip = f"{sshlab.block}.240"
    holds = f'#!/bin/sh\necho "1: lo    inet {vip}/24 scope global lo"\n'
    hosts = [sshlab.add_host(f"sb-{i}", active_services=("haproxy", "keepalived"),
                             stubs={"ip": holds}) for i in (1, 2)]
    doc = lb_config(sshlab, tmp_path, hosts, "sb")
    code = main(["lb", "status", "-f", str(doc.path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["verdict"] == "split-brain" and report["holders"] == ["sb-1", "sb-2"]
    assert [h["haproxy"] for h in report["hosts"]] == ["active", "active"]
    assert report["frontend_answers"] is False  # nothing listens on the loopback VIP


def seed_old_config(lab: SshLab, root: Path) -> None:
    """An /etc/haproxy/haproxy.cfg from before kkui, owned by the SSH user like root's is."""
    old = root / "etc" / "haproxy" / "haproxy.cfg"
    old.parent.mkdir(parents=True)
    old.write_text("# the old config\n")
    for path in (root / "etc", old.parent, old):
        os.chown(path, *_ids(lab))


def _ids(lab: SshLab) -> tuple[int, int]:
    entry = pwd.getpwnam(lab.user)
    return entry.pw_uid, entry.pw_gid
