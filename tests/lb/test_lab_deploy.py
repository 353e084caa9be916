"""`kkui lb deploy` end to end: the real command, over SSH, onto a fresh pair in the netns lab.

``Lab(..., ssh=True, deploy=True)`` gives each LB its own /etc/haproxy, /etc/keepalived,
/var/lib/haproxy and /run (bind mounts inside the LB's private mount namespace) and a
``systemctl`` that starts haproxy and keepalived from the deployed files like Debian's units.
No daemon runs until kkui deploys it.  kkui runs inside the client namespace, so every
connection stays in the lab; files are read through each LB's mount namespace
(``/proc/<its PID 1>/root``).  Tests run in file order and build on each other.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from lb.netns_lab import (
    PRIVATE_DIRS,
    UNIT_HAPROXY,
    UNIT_KEEPALIVED,
    Lab,
    close_and_check,
    running,
    wait_for,
)

from kkui.core.lb.drill import find_holders

pytestmark = [pytest.mark.netns, pytest.mark.sshd]

LBS = ("lb1", "lb2")
FAKE_KK = Path(__file__).resolve().parents[1] / "support" / "fake_kk.py"
HAPROXY_CFG = "/etc/haproxy/haproxy.cfg"
KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf"
LIVE = (HAPROXY_CFG, KEEPALIVED_CONF)
STEPS = ("packages", "upload", "check", "install", "restart")
STEP_LINE = re.compile(r"^  (lb\d): (\w+): (\w+)", re.M)
# An older haproxy on the host that does not know a keyword the local one accepts.
OLD_HAPROXY = """#!/bin/sh
for a in "$@"; do
  if [ "$a" = -c ]; then
    echo "[ALERT] (1) : parsing [$3:52] : 'server' unknown keyword 'slowstart'." >&2
    echo "[ALERT]    (1) : config : Fatal errors found in configuration." >&2
    exit 1
  fi
done
exec /usr/sbin/haproxy "$@"
"""


def root_snapshot() -> dict[str, object]:
    """This machine's own LB files, as the root mount namespace sees them."""
    snap: dict[str, object] = {}
    for directory in PRIVATE_DIRS[:3]:
        snap[directory] = sorted(os.listdir(directory))
    for path in LIVE:
        snap[path] = Path(path).read_bytes() if Path(path).exists() else None
    return snap


def root_mounts_of(lab: Lab) -> list[str]:
    return [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if str(lab.workdir) in line]


@dataclass
class DeployLab:
    lab: Lab
    config: Path
    home: Path
    tmp: Path
    root_before: dict[str, object]

    def kkui(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.lab.run_kkui(*args, home=self.home)

    def config_variant(self, name: str, old: str, new: str) -> Path:
        text = self.config.read_text()
        assert text.count(old) == 1, old
        path = self.tmp / name
        path.write_text(text.replace(old, new))
        path.chmod(0o600)
        return path

    def read(self, lb: str, path: str) -> bytes:
        return self.lab.lb_path(lb, path).read_bytes()

    def listing(self, lb: str, directory: str) -> list[str]:
        return sorted(os.listdir(self.lab.lb_path(lb, directory)))

    def backups(self, lb: str, path: str) -> list[str]:
        """``path``'s backups on ``lb``, oldest first (the stamp sorts by time)."""
        name = Path(path).name
        return [f for f in self.listing(lb, str(Path(path).parent))
                if f.startswith(name + ".kkui-") and f.endswith(".bak")]

    def vip(self) -> str:
        return str(self.lab.model.kkui.load_balancer.vip)

    def secrets(self) -> list[str]:
        s = self.lab.model.kkui.load_balancer.secrets
        return [s.auth_pass, s.stats_password, s.auth_pass[:8]]


def close_and_check_mounts(lab: Lab) -> None:
    close_and_check(lab)
    assert not root_mounts_of(lab)


@pytest.fixture(scope="module")
def dl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployLab]:
    before = root_snapshot()
    lab = Lab(tmp_path_factory.mktemp(f"lb-deploy-lab-{os.getpid()}"), name="dep", ssh=True,
              deploy=True)
    with running(lab, close_and_check_mounts):
        tmp = tmp_path_factory.mktemp("lb-deploy")
        config = lab.write_config(tmp / "cluster.yaml")
        assert "192.168.233." not in config.read_text()
        home = tmp / "home"
        home.mkdir()
        yield DeployLab(lab, config, home, tmp, before)
    assert root_snapshot() == before, "the root namespace's LB files changed"


def ns_pid(pid: int) -> int:
    """``pid`` as its own (innermost) PID namespace numbers it."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^NSpid:.*\s(\d+)$", status, re.M).group(1))  # type: ignore[union-attr]


def steps_of(output: str) -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3)) for m in STEP_LINE.finditer(output)]


def assert_fetches_rotate(dl: DeployLab, backends: list[str]) -> None:
    answers = [dl.lab.fetch(dl.vip()) for _ in range(2 * len(backends))]
    assert sorted(answers[:len(backends)]) == backends, answers
    assert answers[len(backends):] == answers[:len(backends)], answers  # strict rotation


def test_render_check_then_deploy_brings_up_a_fresh_pair(dl: DeployLab) -> None:
    lab = dl.lab
    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True,
                            text=True, check=True).stdout
    assert f"unreachable {lab.route}" in routes
    distro_cfg: dict[str, bytes | None] = {}
    for lb in LBS:  # a fresh pair: nothing runs, the LB has only the package's files
        assert lab.lb_pids(lb, "haproxy") == [] and lab.lb_pids(lb, "keepalived") == []
        res = lab.systemctl(lb, "is-active", "haproxy", "keepalived")
        assert (res.returncode, res.stdout.split()) == (3, ["inactive", "inactive"])
        assert not lab.lb_path(lb, KEEPALIVED_CONF).exists()
        cfg = lab.lb_path(lb, HAPROXY_CFG)
        distro_cfg[lb] = cfg.read_bytes() if cfg.exists() else None
        assert distro_cfg[lb] == dl.root_before[HAPROXY_CFG]

    out = dl.tmp / "rendered"
    proc = dl.kkui("lb", "render", "-f", str(dl.config), "-o", str(out), "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("\nok: ") + proc.stdout.startswith("ok: ") == 4, proc.stdout

    proc = dl.kkui("lb", "deploy", "-f", str(dl.config), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    for lb, last in (("lb1", 10), ("lb2", 11)):  # the plan comes first
        assert text.index(f"{lb} ({lab.net}.{last}):") < text.index("  lb1: packages:")
    assert "5. systemctl enable haproxy keepalived; then, only where its file changed: " \
        "reload haproxy (no restart" in text
    assert steps_of(text) == [(lb, step, "skipped" if step == "packages" else "done")
                              for lb in LBS for step in STEPS]
    assert text.count("restart: done — restarted haproxy and keepalived; both enabled and "
                      "active") == 2
    holders = find_holders(lab.ops())
    assert len(holders) == 1, holders
    assert f"VIP {dl.vip()} is on {holders[0]}" in text
    assert f"{dl.vip()}:6443 answers from this machine" in text
    for secret in dl.secrets():
        assert secret not in text + proc.stderr

    for lb in LBS:
        for path in LIVE:  # exactly the rendered files, private, at the real paths
            assert dl.read(lb, path) == (out / lb / Path(path).name).read_bytes()
            st = lab.lb_path(lb, path).stat()
            assert (oct(st.st_mode & 0o777), st.st_uid) == ("0o600", 0)
        assert not [f for d in ("/etc/haproxy", "/etc/keepalived")
                    for f in dl.listing(lb, d) if f.endswith(".kkui-new")]
        # the package's haproxy.cfg was kept; keepalived had no config to keep
        cfg_backups = dl.backups(lb, HAPROXY_CFG)
        if distro_cfg[lb] is None:
            assert cfg_backups == []
        else:
            assert len(cfg_backups) == 1
            assert dl.read(lb, f"/etc/haproxy/{cfg_backups[0]}") == distro_cfg[lb]
            assert f"previous kept as /etc/haproxy/{cfg_backups[0]}" in text
        assert dl.backups(lb, KEEPALIVED_CONF) == []
        # started like the distro units, each LB with its own socket, pid file and mounts
        cmdlines = {tuple(psutil.Process(p).cmdline()) for p in lab.lb_pids(lb, "haproxy")}
        assert tuple(UNIT_HAPROXY) in cmdlines
        assert [psutil.Process(p).cmdline() for p in lab.lb_pids(lb, "keepalived")][0] == \
            UNIT_KEEPALIVED
        assert lab.lb_path(lb, "/var/lib/haproxy/admin.sock").is_socket()
        assert int(dl.read(lb, "/run/haproxy.pid")) in \
            {ns_pid(p) for p in lab.lb_pids(lb, "haproxy")}
        mounts = [line.split() for line in lab.lb_mounts(lb) if str(lab.workdir) in line]
        assert sorted(m[4] for m in mounts) == sorted(PRIVATE_DIRS)
        for fields in mounts:  # optional fields up to "-": no shared peer group
            assert not any(f.startswith("shared:") for f in fields[6:fields.index("-")])
    assert not root_mounts_of(lab)
    assert root_snapshot() == dl.root_before
    assert_fetches_rotate(dl, ["master1", "master2", "master3"])


def test_status_after_the_deploy(dl: DeployLab) -> None:
    proc = dl.kkui("lb", "status", "-f", str(dl.config), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert (report["verdict"], report["holders"]) == ("ok", find_holders(dl.lab.ops()))
    assert report["frontend_answers"] is True
    for host in report["hosts"]:
        assert (host["haproxy"], host["keepalived"], host["error"]) == \
            ("active", "active", None), host
        assert [(b["name"], b["up"]) for b in host["backends"]] == \
            [("master1", True), ("master2", True), ("master3", True)]


def test_a_second_deploy_with_a_changed_backend_keeps_the_previous_files(
        dl: DeployLab) -> None:
    lab = dl.lab
    before = {(lb, path): dl.read(lb, path) for lb in LBS for path in LIVE}
    old_backups = {(lb, path): dl.backups(lb, path) for lb in LBS for path in LIVE}
    keepalived = {lb: sorted(lab.lb_pids(lb, "keepalived")) for lb in LBS}
    haproxy = {lb: sorted(lab.lb_pids(lb, "haproxy")) for lb in LBS}
    holders = find_holders(lab.ops())
    two = dl.config_variant("two-masters.yaml", "control-plane: [master1, master2, master3]",
                            "control-plane: [master1, master2]")
    out = dl.tmp / "rendered-two"
    proc = dl.kkui("lb", "render", "-f", str(two), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = dl.kkui("lb", "deploy", "-f", str(two), "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert steps_of(proc.stdout)[-1] == ("lb2", "restart", "done")
    for lb in LBS:
        for path in LIVE:
            assert dl.read(lb, path) == (out / lb / Path(path).name).read_bytes()
        assert b"master3" not in dl.read(lb, HAPROXY_CFG)
        # haproxy.cfg changed: the first deploy's file is its new backup, mode and all
        new = [b for b in dl.backups(lb, HAPROXY_CFG) if b not in old_backups[(lb, HAPROXY_CFG)]]
        assert len(new) == 1 and dl.backups(lb, HAPROXY_CFG)[:-1] == \
            old_backups[(lb, HAPROXY_CFG)]
        backup = f"/etc/haproxy/{new[0]}"
        assert dl.read(lb, backup) == before[(lb, HAPROXY_CFG)] != dl.read(lb, HAPROXY_CFG)
        assert lab.lb_path(lb, backup).stat().st_mode & 0o777 == 0o600
        assert f"{HAPROXY_CFG}: previous kept as {backup}" in proc.stdout
        # keepalived.conf did not change: no backup, keepalived not restarted
        assert dl.read(lb, KEEPALIVED_CONF) == before[(lb, KEEPALIVED_CONF)]
        assert dl.backups(lb, KEEPALIVED_CONF) == old_backups[(lb, KEEPALIVED_CONF)]
        assert sorted(lab.lb_pids(lb, "keepalived")) == keepalived[lb]
        assert sorted(lab.lb_pids(lb, "haproxy")) != haproxy[lb]
    assert f"{KEEPALIVED_CONF}: unchanged" in proc.stdout
    assert "reloaded haproxy; keepalived not touched (file unchanged)" in proc.stdout
    assert find_holders(lab.ops()) == holders  # the VIP never had to move
    assert_fetches_rotate(dl, ["master1", "master2"])
    assert root_snapshot() == dl.root_before


def _frozen(dl: DeployLab) -> dict[str, object]:
    """What a failed deploy must not change: files, inodes, backups, daemons."""
    state: dict[str, object] = {}
    for lb in LBS:
        for path in LIVE:
            st = dl.lab.lb_path(lb, path).stat()
            state[f"{lb}:{path}"] = (dl.read(lb, path), st.st_ino, st.st_mtime_ns)
        for directory in ("/etc/haproxy", "/etc/keepalived"):
            state[f"{lb}:{directory}"] = dl.listing(lb, directory)
        for daemon in ("haproxy", "keepalived"):
            state[f"{lb}:{daemon}"] = sorted(dl.lab.lb_pids(lb, daemon))
    return state


def test_a_config_failing_keepalived_t_on_the_host_changes_nothing(dl: DeployLab) -> None:
    # eth9 exists in render --check's scratch namespace, but not on the LB hosts
    bad = dl.config_variant("eth9.yaml", "interface: eth0", "interface: eth9")
    proc = dl.kkui("lb", "render", "-f", str(bad), "-o", str(dl.tmp / "rendered-eth9"),
                   "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "with a link named eth9: valid" in proc.stdout
    frozen = _frozen(dl)
    holders = find_holders(dl.lab.ops())
    proc = dl.kkui("lb", "deploy", "-f", str(bad), "--yes")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert steps_of(proc.stdout) == [("lb1", "packages", "skipped"), ("lb1", "upload", "done"),
                                     ("lb1", "check", "failed")]
    failed = next(line for line in proc.stdout.splitlines() if "check: failed" in line)
    assert "keepalived -t: " in failed
    assert "interface eth9 for vrrp_instance kube_apiserver doesn't exist" in proc.stdout
    assert "\n      Non-existent interface specified in configuration\n" in proc.stdout
    assert "deploy stopped: fix the failed step above and run it again" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert _frozen(dl) == frozen  # no new file, backup or leftover; nothing restarted
    assert find_holders(dl.lab.ops()) == holders and dl.lab.tcp_answers(dl.vip())


def test_haproxy_c_failing_on_the_second_lb_stops_the_deploy_there(dl: DeployLab) -> None:
    lab = dl.lab
    stub = lab.workdir / "lb2" / "bin" / "haproxy"  # first in lb2's PATH over SSH
    stub.write_text(OLD_HAPROXY)
    stub.chmod(0o755)
    try:
        out = dl.tmp / "rendered-three"
        proc = dl.kkui("lb", "render", "-f", str(dl.config), "-o", str(out), "--check")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        frozen = _frozen(dl)
        proc = dl.kkui("lb", "deploy", "-f", str(dl.config), "--yes")
    finally:
        stub.unlink()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert steps_of(proc.stdout) == [
        *[("lb1", step, "skipped" if step == "packages" else "done") for step in STEPS],
        ("lb2", "packages", "skipped"), ("lb2", "upload", "done"), ("lb2", "check", "failed")]
    assert "lb2: check: failed — haproxy -c: " in proc.stdout
    assert "unknown keyword 'slowstart'" in proc.stdout
    assert "deploy stopped" in proc.stdout
    after = _frozen(dl)
    # lb1 took the new config (three masters again); lb2 kept its files and its daemons
    assert dl.read("lb1", HAPROXY_CFG) == (out / "lb1" / "haproxy.cfg").read_bytes()
    for key in ("lb2:" + HAPROXY_CFG, "lb2:" + KEEPALIVED_CONF, "lb2:/etc/haproxy",
                "lb2:/etc/keepalived", "lb2:haproxy", "lb2:keepalived"):
        assert after[key] == frozen[key], key
    assert b"master3" not in dl.read("lb2", HAPROXY_CFG)
    assert root_snapshot() == dl.root_before


def haproxy_master(dl: DeployLab, lb: str) -> int:
    """The -Ws master's PID as the LB numbers it (what the unit's pid file says)."""
    return int(dl.read(lb, "/run/haproxy.pid"))


def test_a_new_control_plane_joins_with_a_reload_and_the_vip_never_stops_answering(
        dl: DeployLab) -> None:
    """Issue #15: `kkui nodes add` of a control plane re-deploys the pair; haproxy is
    reloaded (master kept, new workers) and keepalived is not touched, so the VIP stays where
    it is and the API behind it answers all the way through."""
    lab = dl.lab
    address = lab.add_apiserver("master4", 15)
    last_row = f"- {{name: master3, address: {lab.net}.14, internalAddress: {lab.net}.14}}"
    four = dl.config_variant("four-masters.yaml", last_row, last_row + (
        f"\n  - {{name: master4, address: {address}, internalAddress: {address}}}"))
    text = four.read_text().replace("control-plane: [master1, master2, master3]",
                                    "control-plane: [master1, master2, master3, master4]")
    four.write_text(text)
    keepalived = {lb: sorted(lab.lb_pids(lb, "keepalived")) for lb in LBS}
    masters = {lb: haproxy_master(dl, lb) for lb in LBS}
    holders = find_holders(lab.ops())
    assert len(holders) == 1

    # the VIP is polled from the client all through the deploy: every connection answers
    answers: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                answers.append(lab.fetch(dl.vip(), timeout=2.0))
            except OSError as exc:
                failures.append(repr(exc))
            if answers and answers[-1] == "":
                failures.append("empty answer (connection closed without data)")

    # `kkui nodes add` with the stand-in kk: the workdir's copy of the config is the applied
    # one (three masters); kk "adds" master4, then kkui re-deploys the pair, then verifies
    work = dl.tmp / "work"
    work.mkdir()
    (work / "config-sample.yaml").write_text(dl.config.read_text())
    env = {**lab.kkui_env(dl.home), "FAKE_KK_SPEED": "0",
           "FAKE_KK_TRANSCRIPTS": str(FAKE_KK.parent / "kk_transcripts"),
           "FAKE_KK_RECORD": str(dl.tmp / "kk-record.json")}
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        proc = subprocess.run(lab.kkui_argv(
            "nodes", "add", "-f", str(four), "--kk", str(FAKE_KK), "--workdir", str(work),
            "--skip-precheck", "--yes"), capture_output=True, text=True, env=env, timeout=180,
            check=False)
        wait_for(lambda: "master4" in answers[-8:], 15, "master4 behind the VIP")
    finally:
        stop.set()
        poller.join(timeout=10)
    assert json.loads((dl.tmp / "kk-record.json").read_text())["argv"][:2] == ["add", "nodes"]
    out = proc.stdout
    assert "new:     master4" in out, out
    assert out.index("kk add nodes succeeded") < out.index("re-deploying kkui's LB pair") < \
        out.index("LB pair re-deployed: VIP") < out.index("verify:"), out
    # the lab's masters are bare TCP servers (no sshd): verify fails, and says so
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, out + proc.stderr
    assert not failures, failures[:5]
    assert len(answers) > 20, len(answers)  # really polled during the deploy
    assert out.count("restart: done — reloaded haproxy; keepalived not touched "
                     "(file unchanged); both enabled and active") == 2, out
    for lb in LBS:
        assert b"master4" in dl.read(lb, HAPROXY_CFG)
        assert sorted(lab.lb_pids(lb, "keepalived")) == keepalived[lb]  # not restarted
        assert haproxy_master(dl, lb) == masters[lb]  # reloaded, not restarted
    assert find_holders(lab.ops()) == holders  # the VIP did not move
    assert_fetches_rotate(dl, ["master1", "master2", "master3", "master4"])
