"""The resume table: every module `kk create cluster` logs has a phase or a refusal, and the plan
for a failure in each module (pure: no host, no kk)."""

from __future__ import annotations

import pytest

from kkui.core.install.resume import MODULES, PHASES, REFUSE, RESTART, phases_from, plan_resume
from kkui.core.kk.stages import CREATE_CLUSTER_STAGES

# shared/KUBEKEY.md "Modules each `alpha create phase` runs" (kk v3.1.12 cmd/kk/pkg/phase/),
# as kk logs the modules; plus the ones it names as belonging to no phase.
KUBEKEY_PHASE_MAP = {
    "binary": ["NodePreCheckModule", "NodeBinariesModule"],
    "os": ["NodePreCheckModule", "RepositoryModule", "ConfigureOSModule"],
    "images": ["NodePreCheckModule", "KubernetesStatusModule", "InstallContainerModule"],
    "etcd": ["CertsModule", "InstallETCDBinaryModule", "ETCDConfigureModule", "ETCDBackupModule"],
    "init": ["NodePreCheckModule", "KubernetesStatusModule", "InitKubernetesModule",
             "ClusterDNSModule"],
    "join": ["NodePreCheckModule", "KubernetesStatusModule", "JoinNodesModule"],
    "configure": ["NodePreCheckModule", "KubernetesStatusModule", "DeployNetworkPluginModule",
                  "ConfigureKubernetesModule", "ChownModule", "AutoRenewCertsModule",
                  "SaveKubeConfigModule", "DeployPluginsModule", "AddonsModule",
                  "DeployStorageClassModule"],
    "addons": ["GreetingsModule", "NodePreCheckModule", "KubernetesStatusModule",
               "AddonsModule"],
}
NO_PHASE = ["InternalLoadbalancerModule", "InstallKubeBinariesModule", "InstallCriDockerdModule"]


def test_every_create_cluster_module_has_a_phase_or_a_refusal() -> None:
    logged = {m for stage in CREATE_CLUSTER_STAGES for m in stage.modules}
    in_map = {m for mods in KUBEKEY_PHASE_MAP.values() for m in mods} | set(NO_PHASE)
    assert sorted((logged | in_map) - set(MODULES)) == []
    assert all(e.phase in (*PHASES, REFUSE, RESTART) for e in MODULES.values())
    for module in NO_PHASE:
        assert MODULES[module].phase == REFUSE
    for phase, modules in KUBEKEY_PHASE_MAP.items():  # a module resumes with a phase that runs it
        for module in modules:
            entry = MODULES[module]
            if entry.phase in PHASES and module not in ("NodePreCheckModule",
                                                        "KubernetesStatusModule"):
                assert module in KUBEKEY_PHASE_MAP[entry.phase], (module, phase)


@pytest.mark.parametrize(("module", "seen", "phases", "checks"), [
    ("NodeBinariesModule", [], ("binary", "os", "images", "etcd", "init", "join", "configure"),
     ("reachable",)),
    ("ConfigureOSModule", [], ("binary", "os", "images", "etcd", "init", "join", "configure"),
     ("reachable",)),
    ("InstallContainerModule", [], ("binary", "images", "etcd", "init", "join", "configure"),
     ("reachable",)),
    ("ETCDConfigureModule", [], ("binary", "etcd", "init", "join", "configure"),
     ("reachable",)),
    ("InitKubernetesModule", [], ("init", "join", "configure"), ("reachable", "etcd-healthy")),
    ("KubernetesStatusModule", ["InitKubernetesModule", "ClusterDNSModule"],
     ("join", "configure"), ("reachable", "etcd-healthy", "control-plane")),
    ("JoinNodesModule", [], ("join", "configure"), ("reachable", "etcd-healthy",
                                                    "control-plane")),
    ("DeployNetworkPluginModule", [], ("configure",), ("reachable", "etcd-healthy",
                                                        "control-plane")),
    ("AddonsModule", [], ("addons",), ("reachable", "control-plane")),
])
def test_resume_plan_per_failed_module(module: str, seen: list[str], phases: tuple[str, ...],
                                       checks: tuple[str, ...]) -> None:
    plan = plan_resume(module, ["node2"], seen, from_run=4)
    assert plan.phases == phases
    assert tuple(c.id for c in plan.checks) == checks
    assert plan.lines()[2] == f"  ./kk alpha create phase {phases[0]} -f config-sample.yaml"


@pytest.mark.parametrize(("module", "says"), [
    ("InternalLoadbalancerModule", "internal load balancer (HAProxy or kube-vip) belongs to no "
                                   "phase"),
    ("InstallKubeBinariesModule", "kube binaries belongs to no phase"),
    ("InstallCriDockerdModule", "cri-dockerd belongs to no phase"),
    ("SomethingNewModule", "does not know kk's module 'SomethingNewModule'"),
])
def test_modules_of_no_phase_are_refused_with_the_safe_alternative(module: str,
                                                                  says: str) -> None:
    plan = plan_resume(module, [], [], from_run=1)
    assert not plan.phases and not plan.ok
    assert says in plan.refusal and "`kkui delete`" in plan.refusal
    assert plan.lines()[-1].startswith("not resumable: ")


def test_a_failure_before_kk_changed_anything_says_install_again() -> None:
    plan = plan_resume("GreetingsModule", ["node1"], [], from_run=1)
    assert not plan.phases and "run `kkui install` again" in plan.refusal


def test_phase_order_matches_kk() -> None:
    assert phases_from("addons") == ("addons",)
    assert phases_from("binary")[0] == "binary" and phases_from("binary")[-1] == "configure"
