"""`kkui history` end to end: real `kkui install` runs (fake kk v3.1.12 transcripts) recorded,
then listed, shown, logged and diffed by the real command."""

from __future__ import annotations

import json
from pathlib import Path

from history.conftest import PASSWORD, install, kkui, write_config

CONTRACT = {"id", "command", "cluster", "config", "started", "finished", "outcome",
            "exit_code", "failed_module", "log"}


def test_install_runs_listed_newest_first_with_the_json_contract(
        tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    assert install(config, env, tmp_path, "success").returncode == 0
    failed = install(config, env, tmp_path, "etcd-failure")
    assert failed.returncode == 1

    res = kkui(["history", "--json"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)["runs"]
    assert [r["id"] for r in runs] == [2, 1]  # newest first
    assert all(set(r) == CONTRACT for r in runs)
    newest, oldest = runs
    assert newest["outcome"] == "failed" and newest["exit_code"] == 1
    assert newest["failed_module"] == "ETCDConfigureModule"
    assert oldest["outcome"] == "success" and oldest["exit_code"] == 0
    assert oldest["failed_module"] is None
    assert oldest["command"] == "install" and oldest["cluster"] == "sample"
    assert oldest["config"] == str(config.resolve())
    assert oldest["started"] <= oldest["finished"]
    assert Path(oldest["log"]).name.startswith("install-")

    text = kkui(["history"], env, tmp_path).stdout.splitlines()
    assert text[0].split()[:4] == ["ID", "STARTED", "COMMAND", "CLUSTER"]
    assert "failed" in text[1] and "ETCDConfigureModule" in text[1]
    assert "success" in text[2]

    other = kkui(["history", "--cluster", "nope", "--json"], env, tmp_path)
    assert json.loads(other.stdout) == {"runs": []}


def test_show_has_versions_timeline_and_failed_hosts(tmp_path: Path,
                                                     env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    install(config, env, tmp_path, "etcd-failure")
    res = kkui(["history", "show", "1", "--json"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    run = json.loads(res.stdout)
    assert run["argv"][:2] == ["install", "-f"] and run["kkui_version"]
    assert len(run["kk_sha256"]) == 64  # --kk PATH: the binary's sha256
    stages = [s["name"] for s in run["stages"]]
    assert stages[:2] == ["precheck", "kk binary"]
    assert "kk: GreetingsModule" in stages and stages[-1] == "kk: ETCDConfigureModule"
    assert run["stages"][-1]["outcome"] == "failed"
    assert run["failed_hosts"]
    assert PASSWORD not in res.stdout and "******" in run["config_text"]

    text = kkui(["history", "show", "1"], env, tmp_path).stdout
    assert "failed    ETCDConfigureModule on" in text and "timeline:" in text

    log = kkui(["history", "log", "1"], env, tmp_path)
    assert log.returncode == 0 and "ETCDConfigureModule" in log.stdout
    missing = kkui(["history", "show", "7"], env, tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == ("kkui: error: no run 7 in the history: `kkui history` "
                                      "lists the ids")


def test_diff_reports_hosts_roles_and_versions(tmp_path: Path, env: dict[str, str]) -> None:
    first = write_config(tmp_path / "a.yaml")
    install(first, env, tmp_path, "success")
    second = write_config(tmp_path / "b.yaml", extra_host=True, k8s="v1.24.17")
    install(second, env, tmp_path, "success")
    res = kkui(["history", "diff", "2"], env, tmp_path)  # previous run of the cluster -> 2
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "run 1 -> run 2 (cluster sample):"
    assert "  + host node3 (127.0.0.3, worker)" in lines
    assert "  ~ kubernetes version: v1.23.17 -> v1.24.17" in lines
    assert len(lines) == 3  # nothing else changed (passwords are masked: never compared)

    data = json.loads(kkui(["history", "diff", "2", "1", "--json"], env, tmp_path).stdout)
    assert {"kind": "removed", "what": "host node3", "old": "127.0.0.3, worker",
            "new": ""} in data["changes"]
    first_only = kkui(["history", "diff", "1"], env, tmp_path)
    assert first_only.returncode == 2 and "give two ids" in first_only.stderr


def test_empty_history_and_db_option(tmp_path: Path, env: dict[str, str]) -> None:
    db = tmp_path / "elsewhere" / "runs.db"
    res = kkui(["history", "--db", str(db)], env, tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("no runs recorded")
    assert db.exists() and oct(db.stat().st_mode & 0o777) == "0o600"


def test_precheck_and_verify_runs_are_recorded_with_their_findings(
        tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cluster.yaml")  # nothing listens on 127.0.0.1:1
    config.write_text(config.read_text().replace("user: ubuntu", "user: ubuntu, port: 1"))
    assert kkui(["precheck", "-f", str(config)], env, tmp_path).returncode == 1
    assert kkui(["verify", "-f", str(config), "--timeout", "3"], env, tmp_path).returncode == 1
    runs = json.loads(kkui(["history", "--json"], env, tmp_path).stdout)["runs"]
    assert [(r["command"], r["outcome"], r["exit_code"]) for r in runs] == [
        ("verify", "failed", 1), ("precheck", "failed", 1)]
    for run_id, stage in ((1, "precheck"), (2, "verify")):
        run = json.loads(kkui(["history", "show", str(run_id), "--json"], env,
                              tmp_path).stdout)
        assert [s["name"] for s in run["stages"]] == [stage]
        assert any("node1" in f or "127.0.0.1" in f for f in run["findings"]), run["findings"]
