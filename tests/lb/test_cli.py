"""`kkui lb ...` as a user runs it (no network: render, validation, refusals)."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from lb.helpers import profile_doc

from kkui.cli import main
from kkui.core.config import ClusterDocument


def config_file(tmp_path: Path, *, secrets: bool = False) -> Path:
    path = tmp_path / "config.yaml"
    profile_doc(secrets=secrets).save(path)
    return path


def loopback_config_file(tmp_path: Path) -> Path:
    """The profile moved to 127.0.233.0/24: if kkui failed to refuse, it would reach only
    loopback (where nothing listens on 22), never the profile's 192.168.233.x examples."""
    path = config_file(tmp_path, secrets=True)
    path.write_text(path.read_text().replace("192.168.233.", "127.0.233."))
    assert "192.168.233." not in path.read_text()
    return path


@pytest.mark.netns  # root: keepalived -t runs in a scratch network namespace


def test_render_generates_secrets_once_writes_private_files_and_checks_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config_file(tmp_path)
    out = tmp_path / "out"
    assert main(["lb", "render", "-f", str(cfg), "-o", str(out), "--check"]) == 0
    printed = capsys.readouterr()
    secrets = ClusterDocument.load(cfg).model().kkui.load_balancer.secrets
    assert secrets.auth_pass and secrets.stats_password
    for text in (printed.out, printed.err):
        assert secrets.auth_pass not in text and secrets.stats_password not in text
    assert "generated authPass and statsPassword" in printed.out
    for lb in ("lb1", "lb2"):  # both real checks ran and passed: skipped is not success
        assert f"ok: {out}/{lb}/haproxy.cfg: haproxy -c: valid" in printed.out
        assert (f"ok: {out}/{lb}/keepalived.conf: keepalived -t inside a scratch network "
                "namespace with a link named eth0: valid") in printed.out
    assert "skipped" not in printed.out
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["lb1/haproxy.cfg", "lb1/keepalived.conf", "lb2/haproxy.cfg",
                     "lb2/keepalived.conf"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in out.rglob("*") if p.is_file())
    assert f"stats auth kkui:{secrets.stats_password}" in (out / "lb1/haproxy.cfg").read_text()

    # a second render: same secrets, same files, config file untouched
    before = cfg.read_bytes()
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["lb", "render", "-f", str(cfg), "-o", str(out)]) == 0
    assert "generated" not in capsys.readouterr().out
    assert cfg.read_bytes() == before
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first


def test_invalid_lb_settings_exit_2_with_the_fix_and_write_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = profile_doc(secrets=False)
    doc.set_kkui("loadBalancer.virtualRouterId", 300)
    cfg = tmp_path / "config.yaml"
    doc.save(cfg)
    before = cfg.read_bytes()
    out = tmp_path / "out"
    assert main(["lb", "render", "-f", str(cfg), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "kkui:spec.loadBalancer.virtualRouterId" in err and "1–255" in err
    assert "Traceback" not in err
    assert not out.exists() and cfg.read_bytes() == before


def test_drill_refuses_without_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lb", "drill", "-f", str(loopback_config_file(tmp_path))]) == 2
    assert "--yes" in capsys.readouterr().err


def test_deploy_without_a_terminal_needs_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # stdin is never a terminal here, even under `pytest -s`: no prompt, no SSH to the profile
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    cfg = loopback_config_file(tmp_path)
    assert main(["lb", "deploy", "-f", str(cfg)]) == 2
    printed = capsys.readouterr()
    assert "install haproxy, keepalived, psmisc" in printed.out  # the plan comes first
    assert "pass --yes" in printed.err


def test_lb_without_an_action_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lb"]) == 2
    assert "render" in capsys.readouterr().out
