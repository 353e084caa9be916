"""`kkui install` and `kkui download` end to end: the real command as a subprocess, the fake kk
(tests/support/fake_kk.py) and a loopback HTTP server."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from kk.conftest import FAKE_KK, TRANSCRIPTS
from kk.httpserver import make_tarball, serve

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"
PASSWORD = "S3cret-Passw0rd"


def write_config(path: Path, zone: str | None = None, password: str = PASSWORD) -> Path:
    # Loopback addresses only: nothing here may reach a real network (TESTING.md).
    text = DATA.read_text().replace("172.16.0.2", "127.0.0.1").replace("172.16.0.3", "127.0.0.2")
    text = text.replace("Qcloud@123", password)
    if zone:
        text += ("---\napiVersion: kkui/v1alpha1\nkind: KkuiSettings\nmetadata: {name: sample}\n"
                 f"spec:\n  kk: {{version: v3.1.12, zone: {zone}}}\n")
    path.write_text(text)
    return path


def kkui_env(tmp_path: Path, scenario: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KKZONE", "LINES", "COLUMNS")}
    env.update(FAKE_KK_TRANSCRIPTS=str(TRANSCRIPTS), FAKE_KK_SCENARIO=scenario,
               FAKE_KK_RECORD=str(tmp_path / "record.json"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT), **extra)
    return env


def kkui(args: list[str], tmp_path: Path, scenario: str = "success", stdin: str | None = None,
         **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=tmp_path, text=True,
                          capture_output=True, input=stdin, timeout=60,
                          env=kkui_env(tmp_path, scenario, **extra))


def install_args(tmp_path: Path, *more: str, zone: str | None = None) -> list[str]:
    config = write_config(tmp_path / "cluster.yaml", zone)
    return ["install", "-f", str(config), "--kk", str(FAKE_KK), "--skip-precheck",
            "--workdir", str(tmp_path / "work"), *more]


def test_install_success_writes_kk_config_and_summarises(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path, "--yes"), tmp_path)
    assert result.returncode == 0, result.stderr
    work = tmp_path / "work"
    config = work / "config-sample.yaml"
    assert config.stat().st_mode & 0o777 == 0o600
    assert "kind: Cluster" in config.read_text() and "KkuiSettings" not in config.read_text()
    assert os.access(work / "kk", os.X_OK)
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["argv0"] == "./kk" and record["cwd"] == str(work)
    assert record["argv"] == ["create", "cluster", "-f", "config-sample.yaml"]
    assert record["kkzone"] is None
    out = result.stdout
    assert "Continue this installation? [yes/no]: " in out  # kk's own prompt, answered yes
    assert "Pipeline[CreateClusterPipeline] execute successfully" in out
    assert "cluster installed" in out and "kubectl get nodes" in out
    assert "ubuntu@127.0.0.1" in out and "~ubuntu/.kube/config" in out  # $HOME of the SSH user
    assert "kkui: stage 14/14 Plugins and add-ons" in out
    logs = list((work / "logs").glob("install-*.log"))
    assert len(logs) == 1 and "Installation is complete." in logs[0].read_text()


def test_install_zone_cn_from_config_sets_kkzone(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path, "--yes", zone="cn"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "record.json").read_text())["kkzone"] == "cn"
    result = kkui(install_args(tmp_path, "--yes", "--zone", "global", zone="cn"), tmp_path)
    assert json.loads((tmp_path / "record.json").read_text())["kkzone"] is None


def test_install_refuses_without_terminal_or_yes(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path), tmp_path, stdin="")
    assert result.returncode == 2
    assert "--yes" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "record.json").exists(), "kk must not have been started"


def test_install_failure_shows_module_hosts_and_hint(tmp_path: Path) -> None:
    log = tmp_path / "install.log"
    result = kkui(install_args(tmp_path, "--yes", "--log", str(log)), tmp_path,
                  scenario="etcd-failure")
    assert result.returncode == 1
    out = result.stdout
    assert "kk failed (exit 1)" in out and "ETCDConfigureModule" in out
    assert "node1: HealthCheck: etcd health check failed" in out
    assert "Hint: etcd health check kept failing" in out
    assert "error: Pipeline[CreateClusterPipeline]" in log.read_text()


def test_install_download_failure_hints_kkzone(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path, "--yes"), tmp_path, scenario="download-failure")
    assert result.returncode == 1
    assert "Hint: Downloads from github.com" in result.stdout
    assert "--zone cn" in result.stdout


def test_install_conntrack_hard_stop(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path, "--yes"), tmp_path, scenario="conntrack")
    assert result.returncode == 1
    assert "node2: conntrack is required." in result.stdout
    assert "Hint: conntrack / socat missing" in result.stdout


def test_install_redacts_passwords_on_terminal_and_in_log(tmp_path: Path) -> None:
    log = tmp_path / "install.log"
    result = kkui(install_args(tmp_path, "--yes", "--log", str(log)), tmp_path, scenario="secret")
    assert result.returncode == 0
    assert PASSWORD not in result.stdout + result.stderr
    assert PASSWORD not in log.read_text()
    assert "sshpass -p '******'" in result.stdout
    assert log.stat().st_mode & 0o777 == 0o600


def test_install_json_events(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path, "--yes", "--json"), tmp_path)
    assert result.returncode == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "ProcessStarted" and kinds[-1] == "ProcessExited"
    assert {"TaskStarted", "HostStatus", "TableShown", "PromptShown", "PromptAnswered",
            "PipelineSucceeded"} <= set(kinds)


def test_install_extra_kk_args(tmp_path: Path) -> None:
    result = kkui(install_args(tmp_path, "--yes", "--", "--skip-pull-images"), tmp_path)
    assert result.returncode == 0
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["argv"][-1] == "--skip-pull-images"


def test_precheck_failure_stops_the_install(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    text = config.read_text().replace("user: ubuntu", "user: ubuntu, port: 1")
    config.write_text(text)  # nothing listens on 127.0.0.1:1 -> the precheck fails
    result = kkui(["install", "-f", str(config), "--kk", str(FAKE_KK), "--yes",
                   "--workdir", str(tmp_path / "work")], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not starting kk" in result.stdout
    assert not (tmp_path / "record.json").exists()


def test_install_ctrl_c_stops_kk_tree_and_exits_130(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kkui", *install_args(tmp_path, "--yes")], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=kkui_env(tmp_path, "child", FAKE_KK_CHILD_PID_FILE=str(pid_file)))
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    child = int(pid_file.read_text())
    kk = [p for p in psutil.Process(proc.pid).children() if "kk" in " ".join(p.cmdline())]
    os.kill(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does to kkui
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "interrupted" in out
    # kk v3 has no resume (issue #11, defect 11): say what a re-run does, and how to clean up
    assert "again resumes" not in out and "kk v3 does not resume" in out
    assert "./kk delete cluster -f config-sample.yaml" in out
    assert kk, "kkui had started kk"
    for pid in [child, *(p.pid for p in kk)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, f"pid {pid} survived"


def test_download_cli_from_base_url(tmp_path: Path) -> None:
    with serve() as served:
        path = "/m/v3.1.12/kubekey-v3.1.12-linux-amd64.tar.gz"
        served.files[path] = make_tarball(pad=10)
        result = kkui(["download", "--base-url", served.base + "/m", "--arch", "amd64",
                       "--dest", str(tmp_path / "bin")], tmp_path)
        assert result.returncode == 0, result.stderr
        assert "sha256 " in result.stdout and "pinned now" in result.stdout
        assert os.access(tmp_path / "bin" / "kk", os.X_OK)
        result = kkui(["download", "--base-url", served.base + "/m", "--arch", "amd64",
                       "--json"], tmp_path)
        data = json.loads(result.stdout)
        assert data["from_cache"] and data["sha256"] and data["version"] == "v3.1.12"
        result = kkui(["download", "--base-url", served.base + "/m", "--version", "v3.1.99",
                       "--arch", "amd64"], tmp_path)
        assert result.returncode == 1
        assert "v3.1.99/kubekey-v3.1.99-linux-amd64.tar.gz was not found" in result.stderr
        assert "Traceback" not in result.stderr


def test_download_cli_refuses_v4(tmp_path: Path) -> None:
    result = kkui(["download", "--version", "v4.0.1"], tmp_path)
    assert result.returncode == 2
    assert "kkui drives kk v3" in result.stderr


def run_on_pty(args: list[str], env: dict[str, str], cwd: Path, answers: list[str],
               timeout: float = 30.0) -> tuple[int, str]:
    """Run kkui with a pseudo-terminal as stdin/stdout; type each answer at each prompt."""
    import select
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kkui", *args], cwd=cwd, env=env,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    output = b""
    pending = list(answers)
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
            if pending and output.count(b"[yes/no]: ") > len(answers) - len(pending):
                os.write(master, pending.pop(0).encode() + b"\n")
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=10)
    os.close(master)
    return code, output.decode("utf-8", "replace")


def test_terminal_prompt_reasks_then_no_cancels(tmp_path: Path) -> None:
    code, out = run_on_pty(install_args(tmp_path), kkui_env(tmp_path, "success"), tmp_path,
                           ["maybe", "no"])
    assert code == 0, out
    assert out.count("Continue this installation? [yes/no]: ") == 2
    assert "| node1 | y" in out  # kk's precheck table was shown before the question
    assert "install cancelled" in out
    assert "Pipeline[CreateClusterPipeline] execute successfully" not in out


def test_terminal_prompt_yes_installs_with_status_line(tmp_path: Path) -> None:
    code, out = run_on_pty(install_args(tmp_path), kkui_env(tmp_path, "success"), tmp_path,
                           ["y"])
    assert code == 0, out
    assert "kkui stage " in out and "cluster installed" in out


def test_install_downloads_kk_when_no_kk_given(tmp_path: Path) -> None:
    with serve() as served:
        arch = "arm64" if os.uname().machine in ("aarch64", "arm64") else "amd64"
        served.files[f"/m/v3.1.12/kubekey-v3.1.12-linux-{arch}.tar.gz"] = make_tarball(pad=10)
        config = write_config(tmp_path / "cluster.yaml")
        result = kkui(["install", "-f", str(config), "--skip-precheck", "--yes",
                       "--base-url", served.base + "/m", "--workdir", str(tmp_path / "w")],
                      tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sha256 " in result.stdout and "cluster installed" in result.stdout
    assert (tmp_path / "cache" / "kkui" / "kk" / "v3.1.12" / f"linux-{arch}" / "kk").is_file()


def test_install_refuses_to_overwrite_its_own_config(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    config = write_config(work / "config-sample.yaml")
    before = config.read_text()
    result = kkui(["install", "-f", str(config), "--kk", str(FAKE_KK), "--skip-precheck",
                   "--yes", "--workdir", str(work)], tmp_path)
    assert result.returncode == 2 and "would overwrite your config" in result.stderr
    assert config.read_text() == before


def test_fake_kk_yes_prints_table_without_prompt(tmp_path: Path) -> None:
    (tmp_path / "config-sample.yaml").write_text("kind: Cluster\n")
    env = kkui_env(tmp_path, "success")
    result = subprocess.run([sys.executable, str(FAKE_KK), "create", "cluster", "-f",
                             "config-sample.yaml", "--yes"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 0
    assert "| node1 | y" in result.stdout and "[yes/no]" not in result.stdout
    assert "Pipeline[CreateClusterPipeline] execute successfully" in result.stderr
