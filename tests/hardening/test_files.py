"""Issue #10 items 3, 15, 16, 21, 22: every file kkui writes — planted links, directories in
the way, read-only places, two saves at once, a save killed half-way. Real processes, real files.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.fsutil import (
    TMP_MARK,
    FileChangedError,
    FileWriteError,
    atomic_copy,
    atomic_write,
    open_private_append,
)

REPO = Path(__file__).resolve().parents[2]
VICTIM_TEXT = "the attacker's file\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def config(tmp_path: Path, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    ClusterDocument.from_profile("all-in-one").save(path)
    path.with_name(name + ".bak").unlink(missing_ok=True)
    return path


def kkui(kkui_cmd: list[str], env: dict[str, str], *args: str,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*kkui_cmd, *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, cwd=cwd)


# ----------------------------------------------------------------- item 3: planted links
def test_a_planted_bak_symlink_is_replaced_never_followed(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = config(tmp_path)
    old = cfg.read_bytes()
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    victim.chmod(0o644)
    os.symlink(victim, cfg.with_name("c.yaml.bak"))

    res = kkui(kkui_cmd, kkui_env, "export-config", "-f", str(cfg), "-o", str(cfg), "--force",
               "--set", "spec.kubernetes.version=v1.28.15")
    assert res.returncode == 0, res.stderr
    # the target of the link got neither the old config (with its passwords) nor a chmod
    assert victim.read_text() == VICTIM_TEXT and mode(victim) == 0o644
    bak = cfg.with_name("c.yaml.bak")
    assert not bak.is_symlink() and bak.read_bytes() == old and mode(bak) == 0o600
    assert "v1.28.15" in cfg.read_text() and mode(cfg) == 0o600


def test_a_symlink_in_place_of_the_file_itself_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    link = tmp_path / "out.yaml"
    os.symlink(victim, link)
    with pytest.raises(FileWriteError, match="symbolic link"):
        atomic_write(link, "secret: x\n")
    with pytest.raises(FileWriteError, match="symbolic link"):
        atomic_copy(sys.executable, link)
    assert victim.read_text() == VICTIM_TEXT and link.is_symlink()


def test_a_log_file_symlink_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    victim.chmod(0o644)
    os.symlink(victim, tmp_path / "kk.log")
    with pytest.raises(FileWriteError, match="symbolic link"):
        open_private_append(tmp_path / "kk.log")
    assert victim.read_text() == VICTIM_TEXT and mode(victim) == 0o644


def test_lb_render_refuses_a_planted_link_in_the_output_directory(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = tmp_path / "lb.yaml"
    res = kkui(kkui_cmd, kkui_env, "export-config", "--profile", "ha-external-lb", "-o", str(cfg))
    assert res.returncode == 0, res.stderr
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    (tmp_path / "out" / "lb1").mkdir(parents=True)
    os.symlink(victim, tmp_path / "out" / "lb1" / "haproxy.cfg")
    res = kkui(kkui_cmd, kkui_env, "lb", "render", "-f", str(cfg), "-o", str(tmp_path / "out"))
    assert res.returncode == 1 and "symbolic link" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and victim.read_text() == VICTIM_TEXT


# ------------------------------------------------------- items 15, 16: one-line errors
def test_export_to_an_existing_directory_is_one_line_exit_2(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    (tmp_path / "adir").mkdir()
    res = kkui(kkui_cmd, kkui_env, "export-config", "--profile", "all-in-one", "-o",
               str(tmp_path / "adir"), "--force")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == \
        f"kkui: error: {tmp_path / 'adir'}: is a directory: give a file name, not a directory"
    assert "Traceback" not in res.stderr


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A directory outside pytest's 0700 tmp tree, so an unprivileged user can reach it."""
    path = Path(tempfile.mkdtemp(prefix="kkui-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        subprocess.run(["rm", "-rf", str(path)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run kkui as another user")
def test_output_in_a_directory_without_write_permission_is_one_line(
        world_readable_dir: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    """root ignores permission bits, so kkui runs as nobody against a root-owned 0755 dir."""
    env = dict(kkui_env, HOME=str(world_readable_dir), XDG_STATE_HOME=str(world_readable_dir))
    target = world_readable_dir / "c.yaml"
    res = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                          *kkui_cmd, "export-config", "--profile", "all-in-one", "-o",
                          str(target)], env=env, capture_output=True, text=True, timeout=60,
                         cwd="/")
    assert res.returncode == 1, res.stderr
    assert res.stderr.strip().splitlines() == [
        f"kkui: error: {target}: cannot write (permission denied): choose a path "
        "in a directory you can write to"]
    assert not target.exists()


# --------------------------------------------------- item 21: two saves of one file
SAVER = textwrap.dedent("""\
    import sys
    from kkui.core.config import ClusterDocument
    from kkui.core.errors import KkuiError
    doc = ClusterDocument.load(sys.argv[1])
    print("loaded", flush=True)
    sys.stdin.readline()  # the test says when to save
    doc.set("spec.kubernetes.clusterName", sys.argv[2])
    try:
        doc.save()
    except KkuiError as exc:
        print(f"refused: {exc}", flush=True)
        sys.exit(exc.exit_code)
    print("saved", flush=True)
""")


def start_saver(cfg: Path, value: str, env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(cfg), value], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "loaded"
    return proc


def test_two_processes_saving_one_file_never_lose_an_edit_silently(
        tmp_path: Path, kkui_env: dict[str, str]) -> None:
    cfg = config(tmp_path)
    first = start_saver(cfg, "first.local", kkui_env)
    second = start_saver(cfg, "second.local", kkui_env)   # both have read the same file
    out1, _ = first.communicate("go\n", timeout=60)
    out2, err2 = second.communicate("go\n", timeout=60)
    assert first.returncode == 0 and out1.strip().endswith("saved")
    assert second.returncode == 1, err2
    assert "changed on disk since kkui read it" in out2 and "nothing written" in out2
    text = cfg.read_text()
    assert "first.local" in text and "second.local" not in text  # refused, not lost silently


def test_racing_saves_exactly_one_wins(tmp_path: Path, kkui_env: dict[str, str]) -> None:
    cfg = config(tmp_path)
    savers = [start_saver(cfg, f"racer{i}.local", kkui_env) for i in range(4)]
    for proc in savers:  # release all at once: the directory lock serialises them
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    codes = [proc.wait(timeout=60) for proc in savers]
    assert sorted(codes) == [0, 1, 1, 1]
    winner = codes.index(0)
    assert f"racer{winner}.local" in cfg.read_text()


# ---------------------------------------------- item 22: temp files of a killed save
KILLED_SAVER = textwrap.dedent("""\
    import os, sys
    from kkui.core.config import ClusterDocument
    doc = ClusterDocument.load(sys.argv[1])
    doc.set("spec.kubernetes.clusterName", "killed.local")
    real_fsync = os.fsync
    def stall(fd):  # the new config is in its temp file: stop before the rename
        real_fsync(fd)
        if ".c.yaml.kkui-tmp-" in os.readlink(f"/proc/self/fd/{fd}"):
            print("writing", flush=True)
            sys.stdin.readline()
    os.fsync = stall
    doc.save()
""")


def test_temp_files_of_a_killed_save_are_private_and_removed_by_the_next_save(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = config(tmp_path)
    original = cfg.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(cfg)], env=kkui_env,
                            text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    left = [p for p in tmp_path.iterdir() if TMP_MARK in p.name]
    assert len(left) == 1 and left[0].name.startswith(".c.yaml" + TMP_MARK)
    assert mode(left[0]) == 0o600 and b"killed.local" in left[0].read_bytes()
    assert cfg.read_bytes() == original  # the kill left the old file, whole

    # a temp file of a save that is still running (this test's own PID) is left alone
    alive = tmp_path / f".c.yaml{TMP_MARK}{os.getpid()}-feedbeef"
    alive.write_text("in progress")

    res = kkui(kkui_cmd, kkui_env, "export-config", "-f", str(cfg), "-o", str(cfg), "--force")
    assert res.returncode == 0, res.stderr
    assert not left[0].exists() and alive.exists()


def test_a_save_that_fails_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "c.yaml"
    (tmp_path / "c.yaml.bak").mkdir()  # the backup cannot be made: the write is refused
    target.write_text("old\n")
    with pytest.raises(FileWriteError, match="previous version"):
        atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir() if TMP_MARK in p.name] == []


def test_a_save_refuses_when_the_file_changed_since_it_was_read(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    doc = ClusterDocument.load(cfg)
    cfg.write_text(cfg.read_text() + "# edited in vim meanwhile\n")
    doc.set("spec.kubernetes.clusterName", "mine.local")
    with pytest.raises(FileChangedError):
        doc.save()
    assert "edited in vim" in cfg.read_text() and "mine.local" not in cfg.read_text()
    saved_as = doc.save(tmp_path / "other.yaml")  # saving elsewhere is always possible
    assert "mine.local" in saved_as.read_text()


def test_a_planted_part_file_symlink_is_never_written_through(tmp_path: Path) -> None:
    """The download's resumable ``.part`` file (a real HTTP server on loopback)."""
    from kk.httpserver import serve

    from kkui.core.download.fetch import fetch

    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    part = tmp_path / "cache" / "kk.tar.gz.part"
    part.parent.mkdir()
    os.symlink(victim, part)
    with serve() as served:
        served.files["/kk.tar.gz"] = b"x" * 4096
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any refusal will do ...
            fetch(served.base + "/kk.tar.gz", part)
    assert "Traceback" not in str(caught.value)
    assert victim.read_text() == VICTIM_TEXT  # ... as long as the link's target is untouched
