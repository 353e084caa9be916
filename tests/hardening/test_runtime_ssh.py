"""Hostile or unusual SSH hosts (issue #10, items 2, 8, 10): real sshd on loopback
(tests/support/sshlab.py), the real `kkui precheck` / `kkui install` as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from hardening.kk_attacks import FORBIDDEN
from support.sshlab import SshLab, sshlab  # noqa: F401  (session fixture)

from kkui.core.config import ClusterDocument
from kkui.core.precheck import run_precheck
from kkui.core.precheck.engine import MAX_OUTPUT
from kkui.core.ssh import KnownHosts

pytestmark = pytest.mark.sshd
ROOT = Path(__file__).resolve().parents[2]
FAKE_KK = ROOT / "tests" / "support" / "fake_kk.py"
PASSPHRASE = "Key-Passphrase-42"
OSC52 = r"\033]52;c;cm0gLXJmIH4K\007"
HOSTILE_SUDO = f"""#!/bin/sh
for a; do
  if [ "$a" = -S ]; then
    IFS= read -r pw
    printf 'sudo: {OSC52}bad\\033[2J\\033]0;pwned\\007 password\\n' >&2; exit 1
  fi
done
echo "sudo: a password is required" >&2; exit 1
"""


@pytest.fixture
def known_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KnownHosts:
    ours, user = tmp_path / "kkui_known_hosts", tmp_path / "user_known_hosts"
    monkeypatch.setenv("KKUI_KNOWN_HOSTS", str(ours))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(user))
    return KnownHosts(ours, user)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SSH_AUTH_SOCK", "KKUI_KEY_PASSPHRASE", "LINES", "COLUMNS")}
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1", **extra)
    return env


def kkui(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def encrypted_key(sshlab: SshLab, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """ssh-keygen's default (OpenSSH format) key with a passphrase, authorized on the lab."""
    key = tmp_path_factory.mktemp("enckey") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-f", str(key)],
                   check=True)
    with open(sshlab.authorized_keys, "a") as keys:
        keys.write(key.with_suffix(".pub").read_text())
    return key


# -- item 2: an encrypted key ends in a one-line answer, never a hang -------------------------

def test_an_encrypted_key_is_an_error_that_says_how_to_give_the_passphrase(
        sshlab: SshLab, encrypted_key: Path, tmp_path: Path, known_hosts: KnownHosts,  # noqa: F811
) -> None:
    host = sshlab.add_host("hard-enc1")
    cfg = sshlab.write_config(tmp_path / "c.yaml", [
        sshlab.host_row(host, auth="none", privateKeyPath=str(encrypted_key))])
    started = time.monotonic()
    res = kkui("precheck", "-f", str(cfg), env=clean_env())
    assert time.monotonic() - started < 30
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    flat = " ".join(res.stdout.split())  # the table wraps long details
    assert "the private key needs a passphrase" in flat
    assert "load it into ssh-agent, or set KKUI_KEY_PASSPHRASE" in flat
    assert "for kk (which cannot use an encrypted key)" in flat

    # with the passphrase kkui gets in and checks the host; kk could not: the ssh check fails
    res = kkui("precheck", "-f", str(cfg), "--json",
               env=clean_env(KKUI_KEY_PASSPHRASE=PASSPHRASE))
    assert res.returncode == 1, res.stdout + res.stderr
    checks = {c["id"]: c for c in json.loads(res.stdout)["hosts"][0]["checks"]}
    ssh = checks["ssh"]
    assert ssh["status"] == "fail" and str(encrypted_key) in ssh["detail"]
    assert "decrypted with KKUI_KEY_PASSPHRASE" in ssh["detail"]
    assert "kk cannot use an encrypted key" in ssh["detail"]
    assert "unencrypted key" in ssh["fix"]
    assert checks["sudo"]["status"] == "pass"  # the other checks ran
    assert PASSPHRASE not in res.stdout + res.stderr

    # a password gets kkui in, but kk would stop at the encrypted key before trying it
    cfg = sshlab.write_config(tmp_path / "c2.yaml", [sshlab.host_row(
        host, auth="password", privateKeyPath=str(encrypted_key))])
    res = kkui("precheck", "-f", str(cfg), "--json", env=clean_env())
    ssh = {c["id"]: c for c in json.loads(res.stdout)["hosts"][0]["checks"]}["ssh"]
    assert ssh["status"] == "fail" and "by password (the row's key is encrypted)" in ssh["detail"]
    assert "even when the row has a password" in ssh["fix"]


def test_install_with_an_encrypted_key_stops_at_the_precheck_instead_of_hanging(
        sshlab: SshLab, encrypted_key: Path, tmp_path: Path, known_hosts: KnownHosts,  # noqa: F811
) -> None:
    host = sshlab.add_host("hard-enc2")
    cfg = sshlab.write_config(tmp_path / "c.yaml", [
        sshlab.host_row(host, auth="none", privateKeyPath=str(encrypted_key))])
    res = kkui("install", "-f", str(cfg), "--kk", str(FAKE_KK), "--yes", "--workdir",
               str(tmp_path / "work"), env=clean_env(), timeout=40)
    assert res.returncode == 1, res.stdout + res.stderr
    flat = " ".join(res.stdout.split())
    assert "the private key needs a passphrase" in flat and "not starting kk" in flat


def test_any_exception_in_a_host_worker_is_an_error_row_not_a_hang(
        sshlab: SshLab, tmp_path: Path, known_hosts: KnownHosts) -> None:  # noqa: F811
    host = sshlab.add_host("hard-crash")
    cfg = sshlab.write_config(tmp_path / "c.yaml", [host])
    model = ClusterDocument.load(cfg).model()

    def connector(*_args: object, **_kwargs: object) -> object:
        raise TypeError("Key is password-protected, but password was not provided.")

    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(
        run_precheck(model, known_hosts=known_hosts, connector=connector)), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "run_precheck hung after a worker raised"
    report = result[0]
    check = report.hosts[0].checks[0]  # type: ignore[attr-defined]
    assert (check.id, check.status) == ("ssh", "error")
    assert "failed unexpectedly (TypeError)" in check.detail and "hard-crash" in check.detail


# -- item 8: host text is shown without terminal control sequences ---------------------------

def test_precheck_output_has_no_control_sequences_from_the_host(
        sshlab: SshLab, tmp_path: Path, known_hosts: KnownHosts) -> None:  # noqa: F811
    host = sshlab.add_host("hard-esc", sudo="password", stubs={
        "hostname": f"#!/bin/sh\nprintf 'evil{OSC52}host\\n'\n",
        "sudo": HOSTILE_SUDO,
        "containerd": "#!/bin/sh\nprintf 'containerd \\033]0;pwned\\007v1.7.13\\n'\n"})
    cfg = sshlab.write_config(tmp_path / "c.yaml", [sshlab.host_row(host, auth="password")])
    res = kkui("precheck", "-f", str(cfg), env=clean_env())
    assert res.returncode == 1, res.stdout + res.stderr
    for stream in (res.stdout, res.stderr):
        found = [repr(c) for c in FORBIDDEN if c in stream]
        assert not found, f"control characters reached the terminal: {found}\n{stream}"
    flat = " ".join(res.stdout.split())
    assert "sudo rejected" in flat and "bad password" in flat  # the text is still shown
    res = kkui("precheck", "-f", str(cfg), "--json", env=clean_env())
    data = json.loads(res.stdout)
    text = json.dumps(data, ensure_ascii=False)
    assert not any(c in text for c in FORBIDDEN)
    hostname = {c["id"]: c for c in data["hosts"][0]["checks"]}["hostname"]["detail"]
    assert "evilhost" in hostname


# -- item 10: a host that prints endlessly is cut off -----------------------------------------

def test_a_flood_of_host_output_is_cut_and_memory_stays_bounded(
        sshlab: SshLab, tmp_path: Path, known_hosts: KnownHosts) -> None:  # noqa: F811
    flood_mib = 100
    host = sshlab.add_host("hard-flood", stubs={
        "hostname": f"#!/bin/sh\nhead -c {flood_mib * 1048576} /dev/zero | tr '\\0' x\n"})
    cfg = sshlab.write_config(tmp_path / "c.yaml", [host])
    proc = subprocess.Popen([sys.executable, "-m", "kkui", "precheck", "-f", str(cfg)],
                            cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    out, err = proc.communicate(timeout=60)
    assert peak < 150 * 1048576, f"kkui grew to {peak // 1048576} MiB"
    assert proc.returncode == 1, out + err
    assert f"printed more than {MAX_OUTPUT // 1048576} MiB" in out and "was cut" in out


def test_fix_failure_text_from_the_host_has_no_control_sequences(
        sshlab: SshLab, tmp_path: Path, known_hosts: KnownHosts) -> None:  # noqa: F811
    from kkui.core.precheck import apply_fix, plan_fixes

    host = sshlab.add_host("hard-fix", tools_missing=("socat",), pkg_manager="apt")
    cfg = sshlab.write_config(tmp_path / "c.yaml", [host])
    model = ClusterDocument.load(cfg).model()
    plans = plan_fixes(run_precheck(model, known_hosts=known_hosts))
    assert plans and plans[0].packages == ("socat",)
    host.set_stub("apt-get", f"#!/bin/sh\nprintf 'E: {OSC52}no \\033[2Jmirror\\n' >&2\n"
                             "exit 100\n")
    outcome = apply_fix(model, plans[0], known_hosts=known_hosts)
    assert not outcome.ok
    assert "E: no mirror" in outcome.detail
    assert not any(c in outcome.detail for c in FORBIDDEN), repr(outcome.detail)
