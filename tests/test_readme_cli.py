"""README promises about the command line that had no test: one test each, the real `kkui`
command as a subprocess wherever a user would type it (loopback only)."""

from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import support.sshlab
from kk.httpserver import make_tarball, serve

from kkui.cli import build_parser

sshlab = support.sshlab.sshlab  # the session fixture

REPO = Path(__file__).resolve().parents[1]
FAKE_KK = REPO / "tests" / "support" / "fake_kk.py"
LOOPBACK = REPO / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"


def run(kkui_cmd: list[str], env: dict[str, str], cwd: Path, *args: str,
        stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*kkui_cmd, *args], env=env, cwd=cwd, text=True, input=stdin,
                          capture_output=True, timeout=timeout)


def loopback_config(path: Path, *, hosts: tuple[str, str] = ("127.0.0.1", "127.0.0.2"),
                     port: int | None = None) -> Path:
    text = LOOPBACK.read_text().replace("172.16.0.2", hosts[0]).replace("172.16.0.3", hosts[1])
    if port is not None:
        text = text.replace("user: ubuntu", f"user: ubuntu, port: {port}")
    path.write_text(text)
    path.chmod(0o600)
    return path


# ------------------------------------------------------------------------------ --help
def subcommands(parser: argparse.ArgumentParser, prefix: str = "kkui"
                ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:  # noqa: SLF001 - argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from subcommands(sub, f"{prefix} {name}")


def test_every_command_has_a_help_with_examples() -> None:
    commands = dict(subcommands(build_parser()))
    assert {"kkui tui", "kkui export-config", "kkui validate", "kkui precheck",
            "kkui download", "kkui install", "kkui lb render", "kkui lb drill"} <= set(commands)
    missing = []
    for name, parser in commands.items():
        text = parser.format_help()
        examples = text.lower().split("examples:", 1)
        # an examples section whose lines show the command itself
        if len(examples) != 2 or name.split()[1] not in examples[1]:
            missing.append(name)
    assert not missing, f"no examples in --help of: {', '.join(missing)}"


def test_help_is_what_the_real_command_prints(kkui_cmd, kkui_env, tmp_path) -> None:
    res = run(kkui_cmd, kkui_env, tmp_path, "precheck", "--help")
    assert res.returncode == 0 and "examples:" in res.stdout.lower()
    assert "--strict-host-keys" in res.stdout and "--timeout" in res.stdout


# ------------------------------------------------------------------------ export-config
def test_export_config_without_file_or_profile_is_all_in_one(kkui_cmd, kkui_env,
                                                              tmp_path) -> None:
    default = run(kkui_cmd, kkui_env, tmp_path, "export-config", "-o", "-")
    explicit = run(kkui_cmd, kkui_env, tmp_path, "export-config", "--profile", "all-in-one",
                   "-o", "-")
    other = run(kkui_cmd, kkui_env, tmp_path, "export-config", "--profile", "ha-kube-vip",
                "-o", "-")
    assert default.returncode == explicit.returncode == other.returncode == 0, default.stderr
    assert default.stdout == explicit.stdout and default.stdout != other.stdout
    assert "name: all-in-one" in default.stdout


def run_on_pty(cmd: list[str], env: dict[str, str], cwd: Path, prompt: bytes, answer: str,
               timeout: float = 30.0) -> tuple[int, str]:
    """The command on a pseudo-terminal (stdin, stdout, stderr); types ``answer`` at ``prompt``."""
    master, slave = os.openpty()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    output, typed = b"", False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not data:
                break
            output += data
            if not typed and prompt in output:
                os.write(master, answer.encode() + b"\n")
                typed = True
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=10)
    os.close(master)
    return code, output.decode("utf-8", "replace")


def test_password_prompt_reads_the_password_masked_from_the_terminal(kkui_cmd, kkui_env,
                                                                     tmp_path) -> None:
    secret = "Typed-at-the-" + os.urandom(4).hex()
    out = tmp_path / "c.yaml"
    cmd = [*kkui_cmd, "export-config", "-o", str(out),
           "--add-host", "name=node9,address=127.0.0.9,password=prompt", "--roles",
           "node9=worker"]
    code, screen = run_on_pty(cmd, kkui_env, tmp_path, b"SSH password for node9: ", secret)
    assert code == 0, screen
    assert "SSH password for node9: " in screen and secret not in screen  # not echoed
    assert secret in out.read_text()  # ... and stored in the file the user asked for
    # without a terminal it refuses with the alternative, writing nothing
    res = run(kkui_cmd, kkui_env, tmp_path, *cmd[len(kkui_cmd):], stdin="pw\n")
    assert res.returncode == 2 and "password=env:VAR" in res.stderr
    assert "Traceback" not in res.stderr


# ------------------------------------------------------------------------------ precheck
@pytest.fixture
def full_listener() -> Iterator[int]:
    """A loopback port whose accept queue is full: Linux drops further SYNs, so a connect gets
    no answer at all and times out — what a host behind a dropping firewall looks like,
    without a packet leaving loopback."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):  # never accepted: they fill the queue
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.2)  # let the handshakes of the fillers complete (kernel-side, no waiting API)
    probe = socket.socket()
    probe.settimeout(0.5)
    try:
        with pytest.raises(TimeoutError):
            probe.connect(("127.0.0.1", port))  # the queue really is full
    finally:
        probe.close()
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def test_precheck_timeout_flag_and_the_timed_out_error(kkui_cmd, kkui_env, tmp_path,
                                                      full_listener) -> None:
    cfg = loopback_config(tmp_path / "c.yaml", port=full_listener)
    started = time.monotonic()
    res = run(kkui_cmd, kkui_env, tmp_path, "precheck", "-f", str(cfg), "--timeout", "1")
    took = time.monotonic() - started
    assert res.returncode == 1, res.stdout + res.stderr
    assert "node1 (ubuntu@127.0.0.1:" in res.stdout
    flat = " ".join(res.stdout.split())  # the table wraps long details
    assert "no answer within 1 s (host down, or a firewall drops SSH)" in flat, res.stdout
    assert took < 8, f"--timeout 1 took {took:.1f} s"  # not the default timeout
    assert "Traceback" not in res.stdout + res.stderr


@pytest.fixture
def empty_namespace() -> Iterator[str]:
    """A network namespace with only loopback: any other address has no route at all, so the
    kernel refuses the connect and nothing can leave."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    from support import netguard

    name = f"kkui-noroute-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    netguard.allow_network("10.213.254.0/24")  # exists only as "no route" inside the namespace
    try:
        yield name
    finally:
        netguard.forbid_network("10.213.254.0/24")
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


@pytest.mark.netns
def test_precheck_no_route_error(kkui_cmd, kkui_env, tmp_path, empty_namespace) -> None:
    from support import netguard

    cfg = loopback_config(tmp_path / "c.yaml", hosts=("10.213.254.1", "10.213.254.2"))
    env = netguard.subprocess_env(kkui_env)  # the fence knows the namespace's subnet now
    res = subprocess.run(["ip", "netns", "exec", empty_namespace, *kkui_cmd, "precheck",
                          "-f", str(cfg), "--timeout", "2"], env=env, cwd=tmp_path, text=True,
                         capture_output=True, timeout=60)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "no route to host" in res.stdout, res.stdout
    assert "check the address and this machine's routes" in res.stdout
    assert "Traceback" not in res.stdout + res.stderr


@pytest.mark.sshd
def test_precheck_strict_host_keys_refuses_an_unknown_key(kkui_cmd, kkui_env, tmp_path,
                                                          sshlab) -> None:
    host = sshlab.add_host(f"strict{os.getpid() % 1000}")
    cfg = sshlab.write_config(tmp_path / "c.yaml", [host])
    env = {**kkui_env, "KKUI_KNOWN_HOSTS": str(tmp_path / "known"),
           "KKUI_USER_KNOWN_HOSTS": str(tmp_path / "user_known")}
    strict = run(kkui_cmd, env, tmp_path, "precheck", "-f", str(cfg), "--strict-host-keys")
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert "--strict-host-keys" in strict.stdout + strict.stderr
    assert not (tmp_path / "known").exists() or host.address not in (tmp_path / "known").read_text()
    relaxed = run(kkui_cmd, env, tmp_path, "precheck", "-f", str(cfg))
    assert "new host key" in relaxed.stderr  # accepted and recorded with a note
    again = run(kkui_cmd, env, tmp_path, "precheck", "-f", str(cfg), "--strict-host-keys")
    assert "--strict-host-keys" not in again.stdout + again.stderr  # now known: accepted


# ------------------------------------------------------------------------------ download
def test_download_from_file_installs_kk_without_network(kkui_cmd, kkui_env, tmp_path) -> None:
    tarball = tmp_path / "kubekey-v3.1.12-linux-amd64.tar.gz"
    tarball.write_bytes(make_tarball())
    res = run(kkui_cmd, kkui_env, tmp_path, "download", "--from-file", str(tarball),
              "--arch", "amd64", "--dest", str(tmp_path / "bin"))
    assert res.returncode == 0, res.stdout + res.stderr
    kk = tmp_path / "bin" / "kk"
    version = subprocess.run([str(kk), "version"], capture_output=True, text=True, check=True)
    assert "v3.1.12" in version.stdout
    cached = Path(kkui_env["XDG_CACHE_HOME"]) / "kkui" / "kk" / "v3.1.12" / "linux-amd64" / "kk"
    assert cached.read_bytes() == kk.read_bytes()


def test_download_ctrl_c_exits_130_and_keeps_the_part_file(kkui_cmd, kkui_env,
                                                           tmp_path) -> None:
    path = "/m/v3.1.12/kubekey-v3.1.12-linux-amd64.tar.gz"
    with serve() as served:
        served.files[path] = make_tarball() + os.urandom(512 * 1024)  # big enough to trickle
        served.plan[path] = ["slow"]
        served.trickle = (2048, 0.05)
        proc = subprocess.Popen([*kkui_cmd, "download", "--base-url", served.base + "/m",
                                 "--arch", "amd64"], env=kkui_env, cwd=tmp_path, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while served.sent < 8192:  # the download is under way
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal does
        out, err = proc.communicate(timeout=20)
        assert time.monotonic() - sent < 2.0
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    parts = list((Path(kkui_env["XDG_CACHE_HOME"]) / "kkui").rglob("*.part"))
    assert parts and parts[0].stat().st_size > 0  # kept for a resume


# ------------------------------------------------------------------------------- install
def test_install_refuses_an_invalid_config_before_anything_runs(kkui_cmd, kkui_env,
                                                                tmp_path) -> None:
    cfg = loopback_config(tmp_path / "c.yaml")
    cfg.write_text(cfg.read_text().replace("    - node1\n    worker:", "    - node7\n    worker:",
                                           1))
    record = tmp_path / "record.json"
    env = {**kkui_env, "FAKE_KK_RECORD": str(record), "FAKE_KK_SCENARIO": "success",
           "FAKE_KK_TRANSCRIPTS": str(REPO / "tests" / "support" / "kk_transcripts")}
    res = run(kkui_cmd, env, tmp_path, "install", "-f", str(cfg), "--kk", str(FAKE_KK),
              "--yes", "--skip-precheck", "--workdir", str(tmp_path / "work"))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "node7" in res.stdout + res.stderr and "spec.roleGroups" in res.stdout + res.stderr
    assert not record.exists(), "kk must not run"
    assert not (tmp_path / "work" / "config-sample.yaml").exists()
    assert "Traceback" not in res.stderr

