"""The per-cluster lock with two real processes: a holder inside ``recorded_run(lock=True)``
and a real `kkui install` of the same cluster."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from history.conftest import holder, install, kkui, write_config


def test_second_install_of_a_locked_cluster_is_refused_naming_the_holder(
        tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    proc, run_id = holder(config, "lb deploy", env, "--lock")
    try:
        res = install(config, env, tmp_path)
        assert res.returncode == 2, res.stdout + res.stderr
        line = res.stderr.strip().splitlines()[-1]
        assert re.fullmatch(
            rf"kkui: error: cluster sample \(127\.0\.0\.1:6443\) is in use by kkui PID "
            rf"{proc.pid} \(`kkui lb deploy`, started \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d, run "
            rf"{run_id}\): wait for it to finish \(`kkui history` shows it\), or stop that "
            r"process; nothing was started", line), line
        assert not (tmp_path / "record.json").exists()  # kk never started
        # another cluster is not blocked
        other = write_config(tmp_path / "other.yaml", name="other")
        assert install(other, env, tmp_path).returncode == 0
    finally:
        proc.communicate("ok\n", timeout=30)
    assert proc.returncode == 0
    assert install(config, env, tmp_path).returncode == 0  # released on a normal exit
    runs = json.loads(kkui(["history", "--json"], env, tmp_path).stdout)["runs"]
    assert [(r["command"], r["outcome"], r["exit_code"]) for r in runs] == [
        ("install", "success", 0), ("install", "success", 0), ("install", "failed", 2),
        ("lb deploy", "success", 0)]


@pytest.mark.parametrize("how", ["exception", "sigterm", "sigkill"])
def test_lock_is_released_on_every_exit_path(tmp_path: Path, env: dict[str, str],
                                            how: str) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    proc, _ = holder(config, "drill", env, "--lock")
    if how == "exception":
        proc.communicate("fail\n", timeout=30)
    else:
        proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode != 0
    res = install(config, env, tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    stale = f"took over a stale lock of PID {proc.pid}"
    assert (stale in res.stderr) == (how == "sigkill")  # only a killed process leaves its row
    outcome = json.loads(kkui(["history", "--json"], env, tmp_path).stdout)["runs"][-1]
    assert outcome["outcome"] == {"exception": "failed", "sigterm": "cancelled",
                                  "sigkill": "interrupted"}[how]
