"""`kkui install --plan`: what kk v3.1.12 will do to each host, and which hosts are new, from
the run history — printed without contacting anything or starting kk."""

from __future__ import annotations

import json
from pathlib import Path

from history.conftest import install, kkui, write_config

OS_ACTIONS = ["swap", "selinux", "firewall", "sysctl", "limits", "modules", "hosts"]


def plan(config: Path, env: dict[str, str], cwd: Path, *more: str) -> dict:
    res = kkui(["install", "-f", str(config), "--plan", "--json", *more], env, cwd)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_plan_lists_kk_actions_per_host_and_starts_nothing(tmp_path: Path,
                                                           env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    res = kkui(["install", "-f", str(config), "--plan"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == ("plan for cluster sample: 2 host(s): 2 new, 0 existing, 0 changed "
                        "(no earlier install in the run history)")
    assert "node1 (127.0.0.1) etcd,control-plane,worker — new" in lines
    assert any(line.startswith("  swap ") and "swapoff -a" in line for line in lines)
    assert any("`127.0.0.1 lb.kubesphere.local`" in line for line in lines)
    assert not (tmp_path / "record.json").exists()  # kk never ran
    assert json.loads(kkui(["history", "--json"], env, tmp_path).stdout) == {"runs": []}

    data = plan(config, env, tmp_path)
    node1, node2 = data["hosts"]
    ids1, ids2 = [a["id"] for a in node1["actions"]], [a["id"] for a in node2["actions"]]
    assert ids1 == [*OS_ACTIONS, "runtime", "binaries", "etcd", "control-plane"]
    assert ids2 == [*OS_ACTIONS, "runtime", "binaries", "worker"]  # no etcd on a worker
    assert "admin-node1" in node1["actions"][-2]["text"]


def test_plan_marks_new_existing_and_changed_hosts_from_the_last_install(
        tmp_path: Path, env: dict[str, str]) -> None:
    first = write_config(tmp_path / "a.yaml")
    assert install(first, env, tmp_path).returncode == 0
    grown = write_config(tmp_path / "b.yaml", extra_host=True)
    grown.write_text(grown.read_text().replace("    etcd:\n    - node1",
                                               "    etcd:\n    - node1\n    - node2"))
    data = plan(grown, env, tmp_path)
    status = {h["name"]: (h["status"], h["why"]) for h in data["hosts"]}
    assert status == {"node1": ("existing", ""), "node2": ("changed", "roles were worker"),
                      "node3": ("new", "")}
    assert data["previous_run"] == 1
    res = kkui(["install", "-f", str(grown), "--plan"], env, tmp_path)
    assert "3 host(s): 1 new, 1 existing, 1 changed (compared with run 1)" in res.stdout


def test_skip_configure_os_leaves_the_os_alone(tmp_path: Path, env: dict[str, str]) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    config.write_text(config.read_text().replace("spec:\n", "spec:\n  system:\n"
                                                 "    skipConfigureOS: true\n", 1))
    data = plan(config, env, tmp_path)
    assert all(not {a["id"] for a in h["actions"]} & set(OS_ACTIONS) for h in data["hosts"])


def test_after_a_delete_every_host_is_new_again(tmp_path: Path, run_history_db: Path) -> None:
    from kkui.core.config.document import ClusterDocument
    from kkui.core.install.hostplan import plan_from_history
    from kkui.core.runs import recorded_run

    doc = ClusterDocument.load(write_config(tmp_path / "cluster.yaml"))
    model = doc.model()
    for command in ("install", "delete"):
        with recorded_run(command, model=model, config_text=doc.to_text()) as run:
            run.finish(0)
        plan, note = plan_from_history(model)
        assert note is None
        wanted = "existing" if command == "install" else "new"
        assert {h.status for h in plan.hosts} == {wanted}, command
