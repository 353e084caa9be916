"""The core install plan (kkui/core/install) and `kkui install` on top of it: zone and KKZONE,
the log naming scheme shared with the TUI, the overwrite guard, the precheck gate, and the
summary's next steps. kk is the fake kk (a real subprocess); hosts are loopback only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.errors import ConfigError
from kkui.core.install import (
    InstallOptions,
    InstallRefused,
    check_precheck,
    describe,
    kubeconfig_path,
    log_name,
    plan_install,
    prepare_workdir,
    resolve_kk,
)
from kkui.core.precheck import CheckResult, HostReport, PrecheckReport

ROOT = Path(__file__).resolve().parents[2]
FAKE_KK = ROOT / "tests" / "support" / "fake_kk.py"
TRANSCRIPTS = ROOT / "tests" / "support" / "kk_transcripts"
SAMPLE = ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"
LOG_NAME = re.compile(r"install-\d{8}-\d{6}\.log")


def loopback_config(path: Path, *, user: str = "ubuntu", port: int | None = None) -> Path:
    text = SAMPLE.read_text().replace("172.16.0.2", "127.0.0.1").replace("172.16.0.3",
                                                                         "127.0.0.2")
    text = text.replace("user: ubuntu", f"user: {user}" + (f", port: {port}" if port else ""))
    path.write_text(text)
    return path


@pytest.fixture
def doc(tmp_path: Path) -> ClusterDocument:
    return ClusterDocument.load(loopback_config(tmp_path / "cluster.yaml"))


def test_zone_from_kkzone_is_kept_in_kks_environment(doc: ClusterDocument,
                                                     tmp_path: Path) -> None:
    plan = plan_install(doc, InstallOptions(workdir=tmp_path / "w"), env={"KKZONE": "cn"})
    assert plan.zone == "cn" and plan.kkzone == "cn" and plan.zone_source == "KKZONE"
    assert "zone cn from KKZONE" in describe(plan)
    flag = plan_install(doc, InstallOptions(workdir=tmp_path / "w", zone="global"),
                        env={"KKZONE": "cn"})
    assert flag.kkzone is None, "--zone global wins over KKZONE and kk must not see it"
    assert plan_install(doc, InstallOptions(workdir=tmp_path / "w"), env={}).kkzone is None


def test_log_name_is_one_scheme(doc: ClusterDocument, tmp_path: Path) -> None:
    plan = plan_install(doc, InstallOptions(workdir=tmp_path / "w"), env={}, now=0)
    assert plan.log_path == tmp_path / "w" / "logs" / log_name(0)
    assert LOG_NAME.fullmatch(plan.log_path.name)
    custom = plan_install(doc, InstallOptions(workdir=tmp_path / "w", log_dir=tmp_path / "l"),
                          env={}, now=0)
    assert custom.log_path == tmp_path / "l" / log_name(0)


def test_config_errors_refuse_with_every_problem(tmp_path: Path) -> None:
    path = loopback_config(tmp_path / "bad.yaml")
    text = path.read_text().replace("    worker:\n    - node1", "    worker:\n    - node9")
    path.write_text(text)
    with pytest.raises(InstallRefused) as caught:
        plan_install(ClusterDocument.load(path), InstallOptions(workdir=tmp_path / "w"))
    assert any("node9" in p.message for p in caught.value.problems)
    assert caught.value.exit_code == 2


def test_workdir_may_not_overwrite_the_config(tmp_path: Path) -> None:
    path = loopback_config(tmp_path / "config-sample.yaml")
    with pytest.raises(ConfigError, match="would overwrite your config"):
        plan_install(ClusterDocument.load(path), InstallOptions(workdir=tmp_path))


def test_prepare_workdir_is_private_and_kk_only(doc: ClusterDocument, tmp_path: Path) -> None:
    plan = plan_install(doc, InstallOptions(workdir=tmp_path / "w", kk_binary=FAKE_KK), env={})
    kk = resolve_kk(plan)
    assert kk.version == "" and len(kk.sha256) == 64 and "version not checked" in kk.description
    prepare_workdir(plan, kk)
    assert plan.kk_config_path.stat().st_mode & 0o777 == 0o600
    assert "KkuiSettings" not in plan.kk_config_path.read_text()
    assert os.access(plan.kk_path, os.X_OK)
    assert plan.workdir.stat().st_mode & 0o777 == 0o700


def test_kk_binary_must_be_executable(doc: ClusterDocument, tmp_path: Path) -> None:
    plain = tmp_path / "kk"
    plain.write_text("#!/bin/sh\n")
    plan = plan_install(doc, InstallOptions(workdir=tmp_path / "w", kk_binary=plain), env={})
    with pytest.raises(ConfigError, match="not executable"):
        resolve_kk(plan)


def test_precheck_gate_consults_a_covering_report(doc: ClusterDocument,
                                                  tmp_path: Path) -> None:
    model = doc.model()
    rows = [HostReport(h.name, h.address, ",".join(model.roles_of(h.name)),
                       (CheckResult("socat", "fail" if h.name == "node2" else "pass",
                                    "socat is missing", "apt-get install -y socat"),))
            for h in model.hosts]
    plan = plan_install(doc, InstallOptions(workdir=tmp_path / "w"), env={})
    gate = check_precheck(plan, PrecheckReport(hosts=rows))
    assert not gate.ok and gate.consulted
    assert gate.lines == ("FAIL node2 (127.0.0.2) socat: socat is missing\n"
                          "       fix: apt-get install -y socat",)
    assert "--skip-precheck" in gate.message
    skipped = plan_install(doc, InstallOptions(workdir=tmp_path / "w", skip_precheck=True),
                           env={})
    assert check_precheck(skipped, PrecheckReport(hosts=rows)).ok


def test_kubeconfig_path_follows_kk() -> None:
    assert kubeconfig_path("root") == "/root/.kube/config"
    assert kubeconfig_path("ubuntu") == "~ubuntu/.kube/config"


# ------------------------------------------------------------------ `kkui install`
def kkui(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("KKZONE", "LINES", "COLUMNS")}
    environ.update(FAKE_KK_TRANSCRIPTS=str(TRANSCRIPTS), FAKE_KK_SCENARIO="success",
                   FAKE_KK_RECORD=str(tmp_path / "record.json"),
                   XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=tmp_path, text=True,
                          capture_output=True, timeout=60, env=environ)


def test_cli_kkzone_from_environment_and_log_name(tmp_path: Path) -> None:
    config = loopback_config(tmp_path / "cluster.yaml")
    result = kkui(["install", "-f", str(config), "--kk", str(FAKE_KK), "--skip-precheck",
                   "--yes", "--workdir", str(tmp_path / "work")], tmp_path, KKZONE="cn")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "record.json").read_text())["kkzone"] == "cn"
    assert "with KKZONE=cn" in result.stdout
    logs = list((tmp_path / "work" / "logs").iterdir())
    assert len(logs) == 1 and LOG_NAME.fullmatch(logs[0].name), logs  # the TUI's scheme too
    assert "~ubuntu/.kube/config" in result.stdout
    assert "scp -P 22 ubuntu@127.0.0.1:.kube/config ~/.kube/config" in result.stdout


def test_cli_precheck_failure_refuses_before_kk(tmp_path: Path) -> None:
    config = loopback_config(tmp_path / "cluster.yaml", port=1)  # nothing listens there
    result = kkui(["install", "-f", str(config), "--kk", str(FAKE_KK), "--yes",
                   "--workdir", str(tmp_path / "work")], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not starting kk" in result.stdout and "node1 (127.0.0.1)" in result.stdout
    assert not (tmp_path / "record.json").exists()
    assert not (tmp_path / "work" / "kk").exists(), "nothing is placed before the gate"


def test_tui_help_names_the_real_workdir_default(tmp_path: Path) -> None:
    from kkui.core.kk.workdir import default_workdir

    result = kkui(["tui", "--help"], tmp_path, COLUMNS="200")
    text = " ".join(result.stdout.split())
    assert "kkui-work/<metadata.name> beside the config file" in text, text
    assert "--skip-precheck" in text
    assert default_workdir("prod", tmp_path / "c.yaml") == tmp_path / "kkui-work" / "prod"


def test_readme_states_python_and_how_kkui_gets_on_path() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'requires-python = ">=(3\.\d+)"', pyproject).group(1)
    assert f"Python ≥ {version}" in readme
    assert "source .venv/bin/activate" in readme and "pipx install ." in readme
