"""End-to-end audit of the secrets standard, across every part of kkui.

"SSH passwords and keys never appear in logs, screenshots, exceptions, process titles or command
lines. Config files that hold them are written 0600, atomically, with the previous version kept."

One distinctive SSH password (the real password of a dedicated test account, so password login
and ``sudo -S`` really use it), one real inline ed25519 key made by ssh-keygen, and the LB pair's
generated passwords.  The real ``kkui`` runs as a subprocess; while it runs, a sampler reads the
command line, name and environment of every process in kkui's tree and in the loopback sshd
hosts' trees (the "remote" side of SSH).  Every host is a 127.x.y.z lab host
(tests/support/sshlab.py); the LB addresses are only rendered into files, never contacted.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import stat
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from secrets import token_hex
from typing import Any

import psutil
import pytest
from rich.console import Console
from rich.traceback import Traceback
from support.sshlab import LabHost, SshLab, lab_unavailable_reason

from kkui.core.config import ClusterDocument
from kkui.core.config.model import Host
from kkui.core.ssh import KnownHosts, SshAuthFailed, connect

pytestmark = pytest.mark.sshd

REPO = Path(__file__).resolve().parents[1]
FAKE_KK = REPO / "tests" / "support" / "fake_kk.py"
# per-run values: no password of a real login account is committed (hex: typeable in the TUI)
SECRET = "Zx9-kkui-" + token_hex(6)    # the SSH (and sudo) password of SECRET_USER
NEW_SECRET = SECRET + "-n3w"          # typed into the TUI; contains SECRET, so checks cover it
WRONG = "Zx9-kkui-WR0NG-pw"           # a wrong password for the auth-failure paths
SECRET_USER = "kkuisec-" + token_hex(3)  # own account, removed with the lab (userdel -r)
SLOW_NPROC = "#!/bin/sh\nsleep 0.8\necho 4\n"  # keeps the precheck running while we sample


# -------------------------------------------------------------------------------- helpers
def on_terminal(argv: list[str], env: Mapping[str, str], cwd: Path) -> str:
    """What the command shows on a colour terminal (rich Live regions, panels: issue #17)."""
    from cli_output.pty_run import pty_run

    clean = {k: v for k, v in env.items() if k not in ("NO_COLOR", "LINES", "COLUMNS")}
    return pty_run(argv, {**clean, "TERM": "xterm-256color"}, cwd)


def leaks(text: str, secrets: Mapping[str, str]) -> list[str]:
    """Names (never values) of the secrets found in ``text``."""
    return [name for name, value in secrets.items() if value and value in text]


def assert_clean(text: str, secrets: Mapping[str, str], where: str) -> None:
    found = leaks(text, secrets)
    assert not found, f"{', '.join(found)} leaked into {where}"


def svg_text(svg: str) -> str:
    """The characters a screenshot shows (spans of one line joined; entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def scan_files(root: Path, secrets: Mapping[str, str], allowed: set[Path]) -> list[str]:
    """Every file under ``root`` except ``allowed`` that holds a secret (as 'path: names')."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path in allowed:
            continue
        names = leaks(path.read_bytes().decode("utf-8", "replace"), secrets)
        if names:
            found.append(f"{path.relative_to(root)}: {', '.join(names)}")
    return found


@dataclass
class ProcessWatch:
    """Samples, in a thread, every process below ``roots`` (the roots' own environment is the
    test's, so only their command line counts).  ``seen`` keeps each distinct command line."""

    roots: list[int]
    secrets: Mapping[str, str]
    seen: set[str] = field(default_factory=set)
    found: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> ProcessWatch:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.01)
        self.sample()

    def sample(self) -> None:
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for proc in procs:
                try:
                    with proc.oneshot():
                        cmdline = " ".join(proc.cmdline())
                        texts = {"command line": cmdline, "process name": proc.name()}
                        if proc.pid != pid:
                            texts["environment"] = "\n".join(
                                f"{k}={v}" for k, v in proc.environ().items())
                except psutil.Error:
                    continue
                self.seen.add(cmdline)
                for what, text in texts.items():
                    for name in leaks(text, self.secrets):
                        self.found.append(f"{name} in the {what} of pid {proc.pid} "
                                          f"({proc.name()})")

    def saw(self, *parts: str) -> bool:
        return any(all(p in cmd for p in parts) for cmd in self.seen)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_kkui(cmd: list[str], args: list[str], env: Mapping[str, str], cwd: Path, *,
             watch: ProcessWatch | None = None, timeout: float = 60) -> Run:
    proc = subprocess.Popen([*cmd, *args], cwd=cwd, env=dict(env), text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    if watch is None:
        out, err = proc.communicate(timeout=timeout)
    else:
        watch.roots.insert(0, proc.pid)
        with watch:
            out, err = proc.communicate(timeout=timeout)
    return Run(proc.returncode, out, err)


# ------------------------------------------------------------------------------- fixtures
@dataclass
class Audit:
    lab: SshLab
    pw_host: LabHost      # password login, sudo asks for the password (slow stubs)
    key_host: LabHost     # inline-key login, passwordless sudo
    key_text: str
    secrets: dict[str, str]

    def rows(self) -> list[dict[str, object]]:
        return [self.lab.host_row(self.pw_host, auth="password"),
                dict(self.lab.host_row(self.key_host, auth="none"), privateKey=self.key_text)]

    def config(self, path: Path, rows: list[Any] | None = None, **kwargs: Any) -> Path:
        return self.lab.write_config(path, rows if rows is not None else self.rows(), **kwargs)

    def sshd_pids(self) -> list[int]:
        return [h.process.pid for h in (self.pw_host, self.key_host) if h.process is not None]


def make_inline_key(directory: Path) -> tuple[str, str]:
    path = directory / "inline_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kkui-secret-audit",
                    "-f", str(path)], check=True, capture_output=True)
    return path.read_text(), (path.with_suffix(".pub")).read_text()


def key_markers(key_text: str) -> dict[str, str]:
    """The key's base64 lines that differ between keys (the first line is the same
    'openssh-key-v1 none none' header in every unencrypted ed25519 key)."""
    body = [line for line in key_text.splitlines() if line and not line.startswith("-----")]
    return {f"private key line {i + 1}": line for i, line in enumerate(body)
            if i > 0 and len(line) >= 40}


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Audit]:
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is missing (Debian package openssh-client)")
    lab = SshLab(user=SECRET_USER, password=SECRET)  # host rows and the sudo stubs use it
    try:
        pw_host = lab.add_host("sec-pw", sudo="password", stubs={"nproc": SLOW_NPROC},
                               start=False)
        key_host = lab.add_host("sec-key", start=False)
        # a slower sudo on the password host, so the sampler sees `sudo -S` while it waits
        real = (pw_host.bin_dir / "sudo").read_text()
        pw_host.set_stub("sudo-stub", real)
        pw_host.set_stub("sudo", f'#!/bin/sh\nsleep 0.2\nexec {pw_host.bin_dir}/sudo-stub "$@"\n')
        lab.start()
        key_text, public = make_inline_key(tmp_path_factory.mktemp("inline-key"))
        with open(lab.authorized_keys, "a") as keys:
            keys.write(public)
        secrets = {"SSH password": SECRET, "wrong password": WRONG, **key_markers(key_text)}
        yield Audit(lab, pw_host, key_host, key_text, secrets)
    finally:
        lab.stop()


@pytest.fixture
def env(kkui_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**kkui_env, "KKUI_KNOWN_HOSTS": str(tmp_path / "config" / "kkui" / "known_hosts"),
            "KKUI_USER_KNOWN_HOSTS": str(tmp_path / "user_known_hosts")}


# -------------------------------------------------------------- validate and export-config
def test_validate_never_prints_a_secret(audit: Audit, tmp_path: Path, env: dict[str, str],
                                        kkui_cmd: list[str]) -> None:
    cfg = audit.config(tmp_path / "c.yaml")
    for extra in ([], ["--json"]):
        res = run_kkui(kkui_cmd, ["validate", "-f", str(cfg), *extra], env, tmp_path)
        assert res.returncode == 0, res.stderr
        assert "password" in res.stdout  # the warning about a password in the file ...
        assert_clean(res.output, audit.secrets, f"validate {extra} output")  # ... not its value
    # an error in the password host's row: the problem names the field, not the secret
    bad = audit.rows()
    bad[0]["port"] = 70000
    cfg = audit.config(tmp_path / "bad.yaml", bad)
    res = run_kkui(kkui_cmd, ["validate", "-f", str(cfg)], env, tmp_path)
    assert res.returncode == 1 and "spec.hosts[0].port" in res.stdout
    assert_clean(res.output, audit.secrets, "validate problems")


@pytest.mark.parametrize(("rows", "malformed"), [
    # a copy-paste error: the key twice (ruamel quotes both values in its message)
    (['{name: sec-pw, address: 127.0.0.1, password: "Zx9-kkui-S3CRET", '
      'password: "Zx9-kkui-S3CRET"}'], True),
    # an unquoted password starting with '*' is a YAML alias
    (["{name: sec-pw, address: 127.0.0.1, password: *Zx9-kkui-S3CRET}"], True),
    # a password that swallowed the rest of the row
    (["{name: sec-pw, address: 127.0.0.1, password: Zx9-kkui-S3CRET: x}"], True),
    # the same password starting with '&' on two hosts: ruamel warns, quoting both lines
    (["{name: sec-a, address: 127.0.0.1, password: &Zx9-kkui-S3CRET}",
      "{name: sec-b, address: 127.0.0.2, password: &Zx9-kkui-S3CRET}"], False),
], ids=["duplicate-key", "alias", "flow", "reused-anchor"])
def test_yaml_errors_and_warnings_never_quote_the_password(
        rows: list[str], malformed: bool, tmp_path: Path, env: dict[str, str],
        kkui_cmd: list[str]) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("apiVersion: kubekey.kubesphere.io/v1alpha2\nkind: Cluster\n"
                   "metadata: {name: a}\nspec:\n  hosts:\n"
                   + "".join(f"  - {row}\n" for row in rows))
    for args in (["validate", "-f", str(cfg)], ["validate", "-f", str(cfg), "--json"],
                 ["precheck", "-f", str(cfg)]):
        res = run_kkui(kkui_cmd, args, env, tmp_path)
        assert res.returncode in (1, 2) and "Traceback" not in res.output, res.output
        if malformed:
            assert res.returncode == 2 and "malformed YAML" in res.output, res.output
            assert "c.yaml:6:" in res.output  # still says where
        assert_clean(res.output, {"SSH password": SECRET}, f"{' '.join(args[:2])} output")


def test_export_config_secrets_from_env_file_0600_with_backup(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    base = audit.config(tmp_path / "base.yaml", [audit.lab.host_row(audit.key_host)])
    out = tmp_path / "out.yaml"
    block = audit.lab.block
    env = {**env, "KKUI_AUDIT_PW": SECRET, "KKUI_AUDIT_KEY": audit.key_text}
    add = ["--add-host", f"name=sec-new,address={block}.50,user={SECRET_USER},"
           "password=env:KKUI_AUDIT_PW",
           "--add-host", f"name=sec-inl,address={block}.51,privateKey=env:KKUI_AUDIT_KEY",
           "--roles", "sec-new=worker", "--roles", "sec-inl=worker"]
    res = run_kkui(kkui_cmd, ["export-config", "-f", str(base), "-o", str(out), *add], env,
                   tmp_path)
    assert res.returncode == 0, res.stderr
    assert "wrote" in res.stdout and "has its SSH password in the file" in res.stderr
    assert_clean(res.output, audit.secrets, "export-config output")
    first = out.read_bytes()
    model = ClusterDocument.load(out).model()
    assert model.host("sec-new").password == SECRET  # type: ignore[union-attr]
    assert model.host("sec-inl").private_key == audit.key_text  # type: ignore[union-attr]
    assert mode(out) == 0o600

    # replace it: atomic, 0600 again, the previous version kept byte for byte as .bak
    res = run_kkui(kkui_cmd, ["export-config", "-f", str(out), "-o", str(out), "--force",
                              "--set", "spec.kubernetes.version=v1.27.16", "--json"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["written"] == str(out)
    assert_clean(res.output, audit.secrets, "export-config --json output")
    bak = out.with_name("out.yaml.bak")
    assert bak.read_bytes() == first and mode(bak) == 0o600 and mode(out) == 0o600
    assert SECRET in out.read_text() and "v1.27.16" in out.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "temp file left"

    # a failing export prints its problems, writes nothing, and shows no secret
    before = out.read_bytes()
    bad = ["--add-host", f"name=sec-bad,address=999.1.1.1,user={SECRET_USER},"
           "password=env:KKUI_AUDIT_PW"]
    for extra in ([], ["--json"]):
        res = run_kkui(kkui_cmd, ["export-config", "-f", str(out), "-o", str(out), "--force",
                                  *bad, *extra], env, tmp_path)
        assert res.returncode == 2
        assert "999.1.1.1" in res.output and "spec.hosts[" in res.output
        assert_clean(res.output, audit.secrets, f"failing export-config {extra}")
        assert out.read_bytes() == before and bak.read_bytes() == first

    # a password typed on the command line is refused, and the refusal does not repeat it
    for spec in (f"name=sec-cli,address={block}.52,password={SECRET}",
                 f"name=sec-cli,address={block}.52,password={SECRET},oops"):
        res = run_kkui(kkui_cmd, ["export-config", "-f", str(out), "-o", "-", "--add-host",
                                  spec], env, tmp_path)
        assert res.returncode == 2 and "--add-host" in res.stderr
        assert "Traceback" not in res.stderr
        assert_clean(res.output, audit.secrets, "refusal of a command-line password")
    assert scan_files(tmp_path, audit.secrets, {base, out, bak}) == []


# ----------------------------------------------------------------------------- precheck
def test_precheck_password_and_inline_key_never_leak(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    cfg = audit.config(tmp_path / "c.yaml")
    watch = ProcessWatch(audit.sshd_pids(), audit.secrets)
    res = run_kkui(kkui_cmd, ["precheck", "-f", str(cfg)], env, tmp_path, watch=watch)
    assert res.returncode == 0, res.output
    assert_clean(res.output, audit.secrets, "precheck output")
    # the sampler did see the remote side while the password was in use ...
    assert watch.saw("sudo", "-S"), sorted(watch.seen)
    assert watch.saw("sleep 0.8") or watch.saw("nproc"), sorted(watch.seen)
    # ... and no command line, process name or environment held a secret
    assert watch.found == []

    res = run_kkui(kkui_cmd, ["precheck", "-f", str(cfg), "--json"], env, tmp_path)
    assert res.returncode == 0, res.output
    assert_clean(res.output, audit.secrets, "precheck --json output")
    checks = {h["name"]: {c["id"]: c for c in h["checks"]} for h in json.loads(res.stdout)["hosts"]}
    assert "by password" in checks["sec-pw"]["ssh"]["detail"]
    assert checks["sec-pw"]["sudo"]["status"] == "pass"  # sudo -S got the password via stdin
    assert "inline privateKey" in checks["sec-key"]["ssh"]["detail"]
    shown = on_terminal([*kkui_cmd, "precheck", "-f", str(cfg)], env, tmp_path)  # Live table
    assert "Checking 2 hosts over SSH" in shown
    assert_clean(shown, audit.secrets, "precheck on a terminal")
    assert scan_files(tmp_path, audit.secrets, {cfg}) == []


def test_precheck_wrong_password_fails_without_showing_it(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    row = dict(audit.lab.host_row(audit.key_host, auth="none"), password=WRONG)
    cfg = audit.config(tmp_path / "c.yaml", [row])
    for extra in ([], ["--json"]):
        res = run_kkui(kkui_cmd, ["precheck", "-f", str(cfg), *extra], env, tmp_path)
        assert res.returncode == 1
        assert "authentication failed" in res.output and "password: rejected" in res.output
        assert_clean(res.output, audit.secrets, f"precheck {extra} auth failure")


def test_encrypted_key_passphrase_from_env_is_never_shown(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    """KKUI_KEY_PASSPHRASE (issue #10, item 2): used to decrypt the key, never printed, and a
    missing one is a one-line answer."""
    key = tmp_path / "enc_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", SECRET, "-f", str(key)],
                   check=True, capture_output=True)
    with open(audit.lab.authorized_keys, "a") as keys:
        keys.write(key.with_suffix(".pub").read_text())
    row = dict(audit.lab.host_row(audit.key_host, auth="none"), privateKeyPath=str(key))
    cfg = audit.config(tmp_path / "c.yaml", [row])
    no_agent = {k: v for k, v in env.items() if k != "SSH_AUTH_SOCK"}
    res = run_kkui(kkui_cmd, ["precheck", "-f", str(cfg)], no_agent, tmp_path)
    assert res.returncode == 1 and "needs a passphrase" in " ".join(res.output.split())
    assert_clean(res.output, audit.secrets, "precheck without the passphrase")
    for extra in ([], ["--json"]):  # kkui gets in; the ssh check says kk could not
        res = run_kkui(kkui_cmd, ["precheck", "-f", str(cfg), *extra],
                       {**no_agent, "KKUI_KEY_PASSPHRASE": SECRET}, tmp_path)
        assert "decrypted with KKUI_KEY_PASSPHRASE" in " ".join(res.output.split())
        assert_clean(res.output, audit.secrets, f"precheck {extra} with KKUI_KEY_PASSPHRASE")
    assert scan_files(tmp_path, audit.secrets, {cfg}) == []


# ------------------------------------------------------------------------------ install
TRANSCRIPT = """\
# kk echoes secrets: an sshpass command line, a stdout line, a line of the inline key
!banner
E {{T}} [GreetingsModule] Greetings
E {{T}} command: [sec-pw]
!split E sshpass -p '{password}' ssh {user}@sec-pw true
E {{T}} success: [sec-pw]
E {{T}} stdout: [sec-key]
E {key_line}
!split O sec-pw ready, password {password} in stdout
!sleep 1.0
E {{T}} Pipeline[CreateClusterPipeline] execute successfully
O Installation is complete.
"""


def test_install_masks_kk_output_and_log_and_keeps_kk_config_private(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    cfg = audit.config(tmp_path / "c.yaml")
    key_line = next(iter(key_markers(audit.key_text).values()))
    transcript = tmp_path / "secret-echo.txt"
    transcript.write_text(TRANSCRIPT.format(password=SECRET, user=SECRET_USER,
                                            key_line=key_line))
    work = tmp_path / "work"
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript)}
    args = ["install", "-f", str(cfg), "--kk", str(FAKE_KK), "--skip-precheck", "--yes",
            "--workdir", str(work)]
    watch = ProcessWatch([], audit.secrets)
    res = run_kkui(kkui_cmd, args, env, tmp_path, watch=watch)
    assert res.returncode == 0, res.output
    assert "sshpass -p '******'" in res.stdout and "password ****** in stdout" in res.stdout
    assert_clean(res.output, audit.secrets, "install output")
    assert watch.saw("./kk", "create", "cluster"), sorted(watch.seen)
    assert watch.found == []

    logs = list((work / "logs").glob("install-*.log"))
    assert len(logs) == 1 and mode(logs[0]) == 0o600
    log = logs[0].read_text()
    assert "sshpass -p '******'" in log and "Installation is complete." in log
    assert_clean(log, audit.secrets, "the install log")
    kk_config = work / "config-sample.yaml"  # kk needs the secrets: private file
    assert mode(kk_config) == 0o600
    assert SECRET in kk_config.read_text() and key_line in kk_config.read_text()
    assert scan_files(tmp_path, audit.secrets, {cfg, kk_config, transcript}) == []

    # --json: every event carries redacted text only
    res = run_kkui(kkui_cmd, [*args, "--json"], {**env, "FAKE_KK_SPEED": "0"}, tmp_path)
    assert res.returncode == 0, res.output
    events = [json.loads(line) for line in res.stdout.splitlines()]
    assert any(e["event"] == "RawLine" and "******" in e["text"] for e in events)
    assert_clean(res.output, audit.secrets, "install --json output")

    # a terminal (issue #17): kk's lines above the live status line, the summary panel
    shown = on_terminal([*kkui_cmd, *args], env, tmp_path)
    assert "kkui stage" in shown and "sshpass -p '******'" in shown
    assert_clean(shown, audit.secrets, "install on a terminal")


def test_install_failure_evidence_shows_no_secret(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    """Issue #12: after kk fails, kkui logs in to the failed hosts (password + sudo -S, inline
    key) for their evidence; the summary names them and nothing of their credentials."""
    cfg = audit.config(tmp_path / "c.yaml")
    transcript = tmp_path / "fail.txt"
    transcript.write_text("!banner\nE {T} [InitKubernetesModule] Init cluster using kubeadm\n"
                          "E {T} failed: [sec-pw]\nE {T} failed: [sec-key]\n"
                          "E error: Pipeline[CreateClusterPipeline] execute failed: "
                          "Module[InitKubernetesModule] exec failed: \n"
                          "E failed: [sec-pw] [KubeadmInit] exec failed after 3 retries: "
                          "timed out waiting for the condition\n!exit 1\n")
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript)}
    res = run_kkui(kkui_cmd, ["install", "-f", str(cfg), "--kk", str(FAKE_KK),
                              "--skip-precheck", "--yes", "--workdir", str(tmp_path / "work")],
                   env, tmp_path)
    assert res.returncode == 1, res.output
    assert "Host evidence collected from sec-pw, sec-key" in res.stdout, res.output
    assert_clean(res.output, audit.secrets, "install failure evidence")


@pytest.mark.parametrize("command", [["certs", "--renew"], ["delete"]],
                         ids=["certs-renew", "delete"])
def test_day2_kk_commands_mask_kk_output_logs_and_the_leftover_scan(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str],
        command: list[str]) -> None:
    """Issue #15: the day-2 commands that drive kk (same redaction as install) and the
    leftover scan that follows `kkui delete` (SSH with the password host)."""
    cfg = audit.config(tmp_path / "c.yaml")
    key_line = next(iter(key_markers(audit.key_text).values()))
    transcript = tmp_path / "secret-echo.txt"
    transcript.write_text(TRANSCRIPT.format(password=SECRET, user=SECRET_USER,
                                            key_line=key_line))
    work = tmp_path / "work"
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript), "FAKE_KK_SPEED": "0"}
    args = [*command, "-f", str(cfg), "--kk", str(FAKE_KK), "--skip-precheck", "--yes",
            "--workdir", str(work)]
    res = run_kkui(kkui_cmd, args, env, tmp_path, timeout=120)
    assert "sshpass -p '******'" in res.stdout, res.output
    assert_clean(res.output, audit.secrets, f"{command[0]} output")
    logs = list((work / "logs").glob("*.log"))
    assert len(logs) == 1 and mode(logs[0]) == 0o600
    assert_clean(logs[0].read_text(), audit.secrets, f"the {command[0]} log")
    if command == ["delete"]:
        assert "kkui: scanning 2 host(s) for leftovers" in res.stdout, res.output
    res = run_kkui(kkui_cmd, [*args, "--json"], env, tmp_path, timeout=120)
    assert_clean(res.output, audit.secrets, f"{command[0]} --json output")


def test_run_history_database_holds_no_secret(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    """Issue #14: the run history stores the config as applied, argv, findings and the
    timeline; with a config holding a password, an inline key and the LB pair's passwords, no
    byte of the database (nor its WAL) and no `kkui history` output holds one."""
    cfg = audit.config(tmp_path / "c.yaml")
    key_line = next(iter(key_markers(audit.key_text).values()))
    transcript = tmp_path / "secret-echo.txt"
    transcript.write_text(TRANSCRIPT.format(password=SECRET, user=SECRET_USER,
                                            key_line=key_line))
    db = tmp_path / "history" / "kkui.db"
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript), "FAKE_KK_SPEED": "0",
           "KKUI_DB": str(db)}
    res = run_kkui(kkui_cmd, ["install", "-f", str(cfg), "--kk", str(FAKE_KK),
                              "--skip-precheck", "--yes", "--workdir", str(tmp_path / "work")],
                   env, tmp_path)
    assert res.returncode == 0, res.output
    assert mode(db) == 0o600
    shown = [run_kkui(kkui_cmd, ["history", *a], env, tmp_path)
             for a in (["--json"], ["show", "1", "--json"], ["show", "1", "--config"],
                       ["log", "1"])]
    assert all(r.returncode == 0 for r in shown), [r.output for r in shown]
    config = json.loads(shown[1].stdout)["config_text"]
    assert "******" in config and "sec-pw" in config  # stored, with the secrets masked
    for r in shown:
        assert_clean(r.output, audit.secrets, "kkui history output")
    # on a terminal (issue #17): the tables, `show`'s timeline, `log` line by line through rich
    for args, expected in ((["history"], "success"), (["history", "show", "1"], "timeline"),
                           (["history", "log", "1"], "sshpass -p '******'")):
        seen = on_terminal([*kkui_cmd, *args], env, tmp_path)
        assert expected in seen, seen
        assert_clean(seen, audit.secrets, f"kkui {' '.join(args)} on a terminal")
    secrets = {**audit.secrets, **key_markers(audit.key_text)}
    # issue #16: the handover report reads the same history and the config, in both languages
    for lang in ("en", "zh"):
        report = run_kkui(kkui_cmd, ["report", "-f", str(cfg), "--lang", lang, "-o", "-"], env,
                          tmp_path)
        assert report.returncode == 0 and "******" in report.stdout, report.output
        assert "sec-pw" in report.stdout and "kk: " in report.stdout  # hosts and kk's stages
        assert_clean(report.output, secrets, f"kkui report --lang {lang}")
    for path in db.parent.iterdir():  # kkui.db and any -wal/-shm left
        raw = path.read_bytes().decode("latin-1")
        assert_clean(raw, secrets, f"the history database file {path.name}")


def test_tui_history_screen_and_install_plan_show_no_secret(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #14 in the TUI: the History screen (run detail, timeline, findings, diff) and the
    install confirm dialog with its per-host plan, over a run recorded from a config holding
    every kind of secret, show none of them."""
    from kkui.tui.app import KkuiApp

    cfg = audit.config(tmp_path / "c.yaml")
    key_line = next(iter(key_markers(audit.key_text).values()))
    transcript = tmp_path / "secret-echo.txt"
    transcript.write_text(TRANSCRIPT.format(password=SECRET, user=SECRET_USER,
                                            key_line=key_line))
    db = tmp_path / "history" / "kkui.db"
    monkeypatch.setenv("KKUI_DB", str(db))
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript), "FAKE_KK_SPEED": "0",
           "KKUI_DB": str(db)}
    for _ in range(2):  # two runs: the second one's detail has a diff with the first
        res = run_kkui(kkui_cmd, ["install", "-f", str(cfg), "--kk", str(FAKE_KK),
                                  "--skip-precheck", "--yes", "--workdir",
                                  str(tmp_path / "work")], env, tmp_path)
        assert res.returncode == 0, res.output
    svgs: dict[str, str] = {}

    async def scenario() -> None:
        app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work", start="history",
                      clock=lambda: 0.0)
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(2):  # the list, then the highlighted run's detail
                await app.workers.wait_for_complete()
                await pilot.pause()
            svgs["history"] = app.export_screenshot()
            await pilot.press("6")
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
            svgs["install-plan"] = app.export_screenshot()
            svgs["install-plan-text"] = str(app.screen.query_one("#dialog-detail-text").render())

    asyncio.run(scenario())
    assert "run 2 · install" in svg_text(svgs["history"])
    assert "sec-pw" in svgs["install-plan-text"]  # the plan names the hosts
    secrets = {**audit.secrets, **key_markers(audit.key_text)}
    for name, shown in svgs.items():
        assert_clean(shown, secrets, f"the TUI {name}")
        assert_clean(svg_text(shown), secrets, f"the TUI {name} (text)")


def test_nodes_add_json_events_and_result_line_show_no_secret(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    """Issue #15: `nodes add --json` (the diff, kk's events, the final result line) with kk
    echoing the password."""
    cfg = audit.config(tmp_path / "c.yaml")
    work = tmp_path / "work"
    work.mkdir()
    applied = ClusterDocument.load(cfg)
    new = applied.host_names()[-1]
    applied.remove_host(new)
    (work / "config-sample.yaml").write_text(applied.kk_text())
    key_line = next(iter(key_markers(audit.key_text).values()))
    transcript = tmp_path / "secret-echo.txt"
    transcript.write_text(TRANSCRIPT.format(password=SECRET, user=SECRET_USER,
                                            key_line=key_line))
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript), "FAKE_KK_SPEED": "0"}
    res = run_kkui(kkui_cmd, ["nodes", "add", "-f", str(cfg), "--kk", str(FAKE_KK),
                              "--skip-precheck", "--yes", "--json", "--workdir", str(work)],
                   env, tmp_path, timeout=120)
    assert json.loads(res.stdout.splitlines()[-1])["nodes_add"]["new"] == [new], res.output
    assert "******" in res.stdout, res.output
    assert_clean(res.output, audit.secrets, "nodes add --json output")


def test_tui_cluster_ops_pane_and_dialog_show_no_secret(
        audit: Audit, tmp_path: Path, env: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #15 in the TUI: Cluster ops' kk run (certs renew with kk echoing the password),
    its confirm dialog and the calendar read over SSH afterwards show no secret."""
    from textual.widgets import RichLog

    from kkui.tui.app import KkuiApp

    cfg = audit.config(tmp_path / "c.yaml")
    key_line = next(iter(key_markers(audit.key_text).values()))
    transcript = tmp_path / "secret-echo.txt"
    transcript.write_text(TRANSCRIPT.format(password=SECRET, user=SECRET_USER,
                                            key_line=key_line))
    for name in ("KKUI_KNOWN_HOSTS", "KKUI_USER_KNOWN_HOSTS"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    shown: dict[str, str] = {}

    async def scenario() -> None:
        app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work", start="ops",
                      kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("R")
            await pilot.pause()
            shown["dialog"] = app.export_screenshot()
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            shown["ops"] = app.export_screenshot()
            log = app.screen.query_one("#ops-output", RichLog)
            shown["pane"] = "\n".join("".join(seg.text for seg in strip) for strip in log.lines)

    asyncio.run(scenario())
    assert "sshpass -p '******'" in shown["pane"], shown["pane"]
    secrets = {**audit.secrets, **key_markers(audit.key_text)}
    for name, text in shown.items():
        assert_clean(text, secrets, f"the TUI Cluster ops {name}")
        assert_clean(svg_text(text), secrets, f"the TUI Cluster ops {name} (text)")


# --------------------------------------------------------------------------- lb render
def test_lb_render_secrets_only_in_private_rendered_files(
        audit: Audit, tmp_path: Path, env: dict[str, str], kkui_cmd: list[str]) -> None:
    block = audit.lab.block

    def row(name: str, n: int) -> dict[str, object]:
        return {"name": name, "address": f"{block}.{n}", "internalAddress": f"{block}.{n}",
                "user": SECRET_USER, "password": SECRET}

    masters = [row(f"sec-m{i}", 200 + i) for i in (1, 2, 3)]
    names = [str(m["name"]) for m in masters]
    cfg = audit.lab.write_config(
        tmp_path / "lb.yaml", masters, lb_hosts=[row("sec-lb1", 231), row("sec-lb2", 232)],
        roles={"etcd": names, "control-plane": names, "worker": names},
        lb={"vip": f"{block}.240", "prefix": 24, "port": 6443, "interface": "eth0",
            "virtualRouterId": 51})
    original = cfg.read_bytes()
    out = tmp_path / "rendered"
    watch = ProcessWatch([], {"SSH password": SECRET})
    res = run_kkui(kkui_cmd, ["lb", "render", "-f", str(cfg), "-o", str(out), "--check"], env,
                   tmp_path, watch=watch)
    assert res.returncode == 0, res.output
    assert "generated authPass and statsPassword" in res.stdout
    lb = ClusterDocument.load(cfg).model().kkui.load_balancer.secrets
    secrets = {**audit.secrets, "authPass": lb.auth_pass, "statsPassword": lb.stats_password}
    assert lb.auth_pass and lb.stats_password
    assert_clean(res.output, secrets, "lb render output")
    # the parsers ran as child processes and were sampled; none got a secret on its command line
    assert watch.saw("haproxy", "-c") or watch.saw("keepalived", "-t"), sorted(watch.seen)
    assert watch.found == [] and leaks("\n".join(watch.seen), secrets) == []

    rendered = sorted(p for p in out.rglob("*") if p.is_file())
    assert [p.relative_to(out).as_posix() for p in rendered] == [
        "sec-lb1/haproxy.cfg", "sec-lb1/keepalived.conf",
        "sec-lb2/haproxy.cfg", "sec-lb2/keepalived.conf"]
    for path in rendered:
        assert mode(path) == 0o600, path
        assert_clean(path.read_text(), audit.secrets, path.name)  # no SSH password there
    assert f"kkui:{lb.stats_password}" in (out / "sec-lb1/haproxy.cfg").read_text()
    assert f"auth_pass {lb.auth_pass}" in (out / "sec-lb2/keepalived.conf").read_text()
    # the config now holds the generated secrets: private, the previous file kept
    bak = cfg.with_name("lb.yaml.bak")
    assert mode(cfg) == 0o600 and mode(bak) == 0o600 and bak.read_bytes() == original
    assert scan_files(tmp_path, secrets, {cfg, bak, *rendered}) == []

    again = run_kkui(kkui_cmd, ["lb", "render", "-f", str(cfg), "-o", str(out)], env, tmp_path)
    assert again.returncode == 0 and "generated" not in again.stdout
    assert_clean(again.output, secrets, "second lb render output")


# ------------------------------------------------------------------ model and SSH errors
def test_model_repr_and_auth_error_never_show_secrets(audit: Audit, tmp_path: Path) -> None:
    cfg = audit.config(tmp_path / "c.yaml")
    model = ClusterDocument.load(cfg).model()
    pw_host, key_host = model.host("sec-pw"), model.host("sec-key")
    assert pw_host is not None and key_host is not None
    assert pw_host.password == SECRET and key_host.private_key == audit.key_text
    for text in (repr(pw_host), repr(key_host), repr(model), str(model.hosts)):
        assert_clean(text, audit.secrets, "a repr of the model")
    assert "sec-pw" in repr(pw_host)

    known = KnownHosts(tmp_path / "kkui_known_hosts", tmp_path / "user_known_hosts")
    lab_host = audit.key_host
    wrong = Host(name="sec-wrong", address=lab_host.address, port=lab_host.port,
                 user=SECRET_USER, password=WRONG)
    with pytest.raises(SshAuthFailed) as caught:
        connect(wrong, known_hosts=known, use_agent=False)
    exc = caught.value
    assert "authentication failed" in str(exc) and "password: rejected" in str(exc)
    texts = {"message": str(exc), "repr": repr(exc), "args": repr(exc.args), "fix": exc.fix,
             "tried": repr(exc.tried),
             "traceback": "".join(traceback.format_exception(exc))}
    # a traceback *with local variables*, as Textual prints one when the TUI crashes; from
    # kkui's frames only (this test's own frame holds the secrets, of course)
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    console = Console(file=StringIO(), width=200, color_system=None)
    console.print(Traceback.from_exception(type(exc), exc, tb, show_locals=True))
    texts["traceback with locals"] = console.file.getvalue()  # type: ignore[attr-defined]
    assert "_authenticate" in texts["traceback with locals"]
    assert "sec-wrong" in texts["traceback with locals"]  # the locals were shown
    for where, text in texts.items():
        assert_clean(text, audit.secrets, f"the SshAuthFailed {where}")


# ---------------------------------------------------------------------------------- TUI
def block_style_config(audit: Audit, path: Path) -> Path:
    """The same two hosts written by hand: block rows, a quoted password, a `|` key."""
    pw, key = audit.pw_host, audit.key_host
    key_lines = "".join(f"      {line}\n" for line in audit.key_text.splitlines())
    path.write_text(f"""\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: audit
spec:
  hosts:
  - name: sec-pw
    address: {pw.address}
    internalAddress: {pw.address}
    port: {pw.port}
    user: {SECRET_USER}
    password: '{SECRET}'
  - name: sec-key
    address: {key.address}
    internalAddress: {key.address}
    port: {key.port}
    user: {SECRET_USER}
    privateKey: |
{key_lines}  roleGroups:
    etcd: [sec-pw]
    control-plane: [sec-pw]
    worker: [sec-pw, sec-key]
  kubernetes:
    version: v1.28.15
    containerManager: containerd
""")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("style", ["json-rows", "block-rows"])
def test_tui_screens_screenshots_and_save(audit: Audit, tmp_path: Path, style: str) -> None:
    from textual.widgets import DataTable, Input, TextArea

    from kkui.tui.app import KkuiApp
    from kkui.tui.modals.host_form import HostForm

    cfg = tmp_path / "config-sample.yaml"
    if style == "json-rows":
        audit.config(cfg)
    else:
        block_style_config(audit, cfg)
    original = cfg.read_bytes()
    assert ClusterDocument.load(cfg).model().host("sec-key").private_key == audit.key_text  # type: ignore[union-attr]
    shots = tmp_path / "shots"
    shots.mkdir()
    svgs: dict[str, str] = {}
    previews: list[str] = []

    async def scenario() -> None:
        app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work", clock=lambda: 0.0)
        async with app.run_test(size=(120, 36)) as pilot:

            def shot(name: str) -> None:
                svgs[name] = Path(app.save_screenshot(f"{name}.svg", str(shots))).read_text()

            await pilot.pause()
            shot("hosts")
            table = app.screen.query_one("#hosts-table", DataTable)
            table.move_cursor(row=0)
            await pilot.press("e")
            assert isinstance(app.screen, HostForm)
            shot("form-password-host")
            field = app.screen.query_one("#f-password", Input)
            field.focus()
            await pilot.press(*NEW_SECRET)
            assert field.value == NEW_SECRET
            shot("form-password-typed")
            await pilot.press("enter")
            assert not isinstance(app.screen, HostForm)
            edited = app.document.model().host("sec-pw")
            assert edited is not None and edited.password == NEW_SECRET
            table = app.screen.query_one("#hosts-table", DataTable)
            table.move_cursor(row=1)
            await pilot.press("e")
            assert isinstance(app.screen, HostForm)
            shot("form-inline-key-host")
            await pilot.press("escape")
            await pilot.press("4")
            await pilot.pause()
            previews.append(app.screen.query_one("#preview", TextArea).text)
            shot("review")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not app.document.is_modified

    asyncio.run(scenario())
    assert "sec-pw" in svg_text(svgs["hosts"]) and "password ••••" in svg_text(svgs["hosts"])
    assert "Password" in svg_text(svgs["form-password-typed"])
    for name, svg in svgs.items():
        assert_clean(svg, audit.secrets, f"the {name} screenshot (SVG)")
        assert_clean(svg_text(svg), audit.secrets, f"the {name} screenshot (text)")
    preview = previews[0]
    assert "sec-pw" in preview and "sec-key" in preview and "roleGroups" in preview
    assert re.search(r"password\"?: ••••", preview) and re.search(r"privateKey\"?: ••••", preview)
    assert_clean(preview, audit.secrets, "the Review YAML preview")

    saved = cfg.read_text()
    assert NEW_SECRET in saved and audit.key_text.splitlines()[2] in saved.replace("\\n", "\n")
    assert mode(cfg) == 0o600
    bak = cfg.with_name("config-sample.yaml.bak")
    assert bak.read_bytes() == original and mode(bak) == 0o600
    assert scan_files(tmp_path, audit.secrets, {cfg, bak}) == []


def test_tui_screens_in_chinese_show_no_secret(audit: Audit, tmp_path: Path) -> None:
    """The console in Chinese (issue #16): the host table, the host form (with the masked
    password hint), Review's problems and preview, and the same screens after f2 switches back
    to English: no secret in any of them."""
    from kkui import i18n
    from kkui.tui.app import KkuiApp

    cfg = tmp_path / "config-sample.yaml"
    audit.config(cfg)
    shown: dict[str, str] = {}

    async def scenario() -> None:
        app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work", clock=lambda: 0.0)
        async with app.run_test(size=(120, 36)) as pilot:  # every column in view
            await pilot.pause()
            for language in ("zh", "en"):
                if i18n.language() != language:
                    await pilot.press("f2")
                    await pilot.pause()
                shown[f"hosts-{language}"] = app.export_screenshot()
                await pilot.press("e")
                await pilot.pause()
                shown[f"form-{language}"] = app.export_screenshot()
                await pilot.press("escape", "4")
                await pilot.pause()
                shown[f"review-{language}"] = app.export_screenshot()
                await pilot.press("1")
                await pilot.pause()

    i18n.set_language("zh")
    try:
        asyncio.run(scenario())
    finally:
        i18n.set_language("en")
    assert "密码 ••••" in svg_text(shown["hosts-zh"])
    assert "password ••••" in svg_text(shown["hosts-en"])
    for name, svg in shown.items():
        assert_clean(svg, audit.secrets, f"the {name} screenshot (SVG)")
        assert_clean(svg_text(svg), audit.secrets, f"the {name} screenshot (text)")


def test_tui_crash_report_shows_no_secret(audit: Audit, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A bug while a typed password is in flight.  Inside a document edit it is caught: one
    notification naming only the exception type, the session goes on (issue #11).  Outside
    one it ends the app: Textual's crash report printed every frame's locals (the typed
    password, the raw row with the old one); kkui's prints one line and writes a 0600 report
    with types and code locations only (issue #10) — even when the exception's own text holds
    the secret."""
    from textual.widgets import Input

    from kkui.tui.app import KkuiApp
    from kkui.tui.screens.hosts import HostsScreen

    cfg = audit.config(tmp_path / "config-sample.yaml")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    async def type_a_password(app: KkuiApp) -> str:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            app.screen.query_one("#f-password", Input).focus()
            await pilot.press(*NEW_SECRET, "enter")
            await pilot.pause()
            toasts = " | ".join(f"{n.title}: {n.message}" for n in app._notifications)
            return toasts + "\n" + svg_text(app.export_screenshot())

    def buggy_update(self: ClusterDocument, name: str, /, **fields: object) -> None:
        raise RuntimeError(f"simulated bug in update_host {NEW_SECRET}")

    with monkeypatch.context() as patch:
        patch.setattr(ClusterDocument, "update_host", buggy_update)
        app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work", clock=lambda: 0.0)
        screen = asyncio.run(type_a_password(app))
    assert "Not changed" in screen and "RuntimeError" in screen, screen[:500]
    assert_clean(screen, audit.secrets, "the TUI after a bug in an edit")

    def buggy_edited(self: HostsScreen, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"simulated bug in _edited {NEW_SECRET}")

    monkeypatch.setattr(HostsScreen, "_edited", buggy_edited)
    app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work", clock=lambda: 0.0)
    with pytest.raises(RuntimeError, match="simulated bug"):
        asyncio.run(type_a_password(app))
    err = capsys.readouterr().err
    # one line, no traceback (issue #10); the details went to a 0600 report file
    assert "kkui: internal error (RuntimeError)" in err and "Traceback" not in err
    reports = list((tmp_path / "state" / "kkui" / "crashes").glob("crash-*.txt"))
    # (the line is wrapped to the terminal's width)
    assert len(reports) == 1 and str(reports[0]) in err.replace("\n", "")
    assert mode(reports[0]) == 0o600
    report = reports[0].read_text()
    assert "RuntimeError" in report and "_edited" in report      # with kkui's frames
    assert_clean(err, audit.secrets, "the TUI's crash line")
    assert_clean(report, audit.secrets, "the TUI's crash report file")


# ---------------------------------------------------------------- triage and the bundle
BUNDLE_LOG = "\n".join([
    "10:53:02 CST [GreetingsModule] Greetings",
    "10:53:02 CST command: [sec-pw]",
    "sshpass -p '{password}' ssh {user}@sec-pw true",
    "10:53:02 CST stdout: [sec-key]",
    "{key_line}",
    "11:10:02 CST [InitKubernetesModule] Init cluster using kubeadm",
    "11:14:05 CST failed: [sec-pw]",
    "error: Pipeline[CreateClusterPipeline] execute failed: Module[InitKubernetesModule] exec "
    "failed: ",  # kk ends this line with a space
    "failed: [sec-pw] [KubeadmInit] exec failed after 3 retries: init failed: password "
    "{password} rejected",
    "error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster",
    "failed: [sec-key] [KubeadmInit] exec failed after 3 retries: kubeadm join "
    "lb.kubesphere.local:6443 --token abcdef.0123456789abcdef",
    ""])


def test_triage_and_bundle_contain_no_secret(audit: Audit, tmp_path: Path,
                                             env: dict[str, str], kkui_cmd: list[str]) -> None:
    """A bundle made from a config with a password host and an inline-key host, from a log
    that echoes both, with evidence gathered over SSH from both: every member is clean."""
    cfg = audit.config(tmp_path / "c.yaml")
    key_line = next(iter(key_markers(audit.key_text).values()))
    log = tmp_path / "kk.log"
    log.write_text(BUNDLE_LOG.format(password=SECRET, user=SECRET_USER, key_line=key_line))
    secrets = {**audit.secrets, "kubeadm token": "abcdef.0123456789abcdef"}

    res = run_kkui(kkui_cmd, ["triage", str(log), "-f", str(cfg), "--collect", "--json"], env,
                   tmp_path)
    assert res.returncode == 0, res.output
    assert json.loads(res.stdout)["failed_hosts"] == ["sec-pw", "sec-key"]
    assert_clean(res.output, audit.secrets, "triage --collect --json output")

    out = tmp_path / "bundle.tar.gz"
    watch = ProcessWatch([], audit.secrets)
    res = run_kkui(kkui_cmd, ["bundle", "-f", str(cfg), "--log", str(log), "-o", str(out)],
                   env, tmp_path, watch=watch)
    assert res.returncode == 0, res.output
    assert_clean(res.output, secrets, "bundle output")
    assert watch.found == []
    assert mode(out) == 0o600
    import tarfile

    with tarfile.open(out) as tar:
        members = {m.name: tar.extractfile(m).read().decode("utf-8", "replace")  # type: ignore[union-attr]
                   for m in tar.getmembers() if m.isfile()}
    assert {"kkui-bundle/config.yaml", "kkui-bundle/kk.log", "kkui-bundle/evidence/sec-pw.txt",
            "kkui-bundle/evidence/sec-key.txt"} <= set(members)
    for name, text in members.items():
        assert_clean(text, secrets, f"bundle member {name}")
    assert "password: ******" in members["kkui-bundle/config.yaml"].replace('"', "")
    assert "sshpass -p '******'" in members["kkui-bundle/kk.log"]
    assert scan_files(tmp_path, audit.secrets, {cfg, log}) == []


def test_cli_crash_line_and_report_show_no_secret(audit: Audit, tmp_path: Path,
                                                  env: dict[str, str]) -> None:
    """A bug while the config (with its passwords and inline key) is loaded: the one line on
    stderr and the 0600 crash report (issue #10) leave out messages and variables."""
    cfg = audit.config(tmp_path / "c.yaml")
    crashing = (
        "import sys\n"
        "import kkui.core.config.validate as v\n"
        "def buggy(doc):\n"
        "    rows = doc.model().hosts  # secrets in locals ...\n"
        "    raise RuntimeError(repr(rows) + str(doc.to_text()))  # ... and in the message\n"
        "v.validate_document = buggy\n"
        "from kkui.cli import main\n"
        "sys.exit(main(['validate', '-f', sys.argv[1]]))\n")
    env = {**env, "XDG_STATE_HOME": str(tmp_path / "state")}
    res = run_kkui([sys.executable, "-c", crashing], [str(cfg)], env, tmp_path)
    assert res.returncode == 1 and "internal error (RuntimeError)" in res.stderr
    assert_clean(res.output, audit.secrets, "the CLI crash line")
    reports = list((tmp_path / "state" / "kkui" / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1 and mode(reports[0]) == 0o600
    assert "in buggy" in reports[0].read_text()
    assert_clean(reports[0].read_text(), audit.secrets, "the CLI crash report file")
