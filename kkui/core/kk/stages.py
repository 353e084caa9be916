"""Progress through ``kk create cluster``: stage n/N, a percentage and a per-host status table.

The stage list follows kk v3.1.12's module order for ``create cluster`` (see
``shared/KUBEKEY.md``, "Module order"; names as kk logs them).  Skipped modules print nothing,
so stages are only ever entered forwards; a module that appears twice (KubernetesStatusModule,
InternalLoadbalancerModule) is matched to the first stage at or after the current one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kkui.core.kk.events import (
    HostStatus,
    KkEvent,
    PipelineFailed,
    PipelineSucceeded,
    ProcessExited,
    TaskStarted,
)
from kkui.i18n import L_, N_


@dataclass(frozen=True)
class Stage:
    title: str  # English (N_), shown translated; silence.WAITING_FOR is keyed by it
    modules: tuple[str, ...]


CREATE_CLUSTER_STAGES: tuple[Stage, ...] = (
    Stage(N_("Connect to hosts"), ("GreetingsModule",)),
    Stage(N_("Pre-install scripts"), ("CustomScriptsModule Phase:PreInstall",)),
    Stage(N_("kk precheck"), ("NodePreCheckModule", "ConfirmModule")),
    Stage(N_("Download binaries"), ("UnArchiveArtifactModule", "RepositoryModule",
                                   "NodeBinariesModule")),
    Stage(N_("Configure OS"), ("ConfigureOSModule",)),
    Stage(N_("Container runtime"), ("KubernetesStatusModule", "InstallContainerModule",
                                   "InstallCriDockerdModule")),
    Stage(N_("Images"), ("CopyImagesToRegistryModule", "PullModule")),
    Stage(N_("etcd"), ("ETCDPreCheckModule", "CertsModule", "InstallETCDBinaryModule",
                      "ETCDConfigureModule", "ETCDBackupModule")),
    Stage(N_("Kubernetes binaries"), ("InstallKubeBinariesModule", "InternalLoadbalancerModule")),
    Stage(N_("Init control plane"), ("InitKubernetesModule", "ClusterDNSModule")),
    Stage(N_("Join nodes"), ("KubernetesStatusModule", "JoinNodesModule",
                            "InternalLoadbalancerModule")),
    Stage(N_("Network plugin"), ("DeployNetworkPluginModule",)),
    Stage(N_("Configure cluster"), ("ConfigureKubernetesModule", "ChownModule",
                                   "AutoRenewCertsModule", "SecurityEnhancementModule",
                                   "SaveKubeConfigModule")),
    Stage(N_("Plugins and add-ons"), ("DeployPluginsModule",
                                     "CustomScriptsModule Phase:PostClusterInstall",
                                     "AddonsModule", "DeployStorageClassModule",
                                     "DeployKubeSphereModule", "CheckResultModule",
                                     "CustomScriptsModule Phase:PostInstall")),
)


@dataclass
class HostRow:
    """The latest known state of one host (``LocalHost`` is kk's own machine)."""

    host: str
    status: str = "pending"  # pending | success | failed | skipped | retry | rollback
    module: str = ""
    task: str = ""
    retries: int = 0
    failures: int = 0
    reason: str = ""


@dataclass
class InstallProgress:
    """Feed it every event; read ``stage``, ``percent``, ``module``, ``hosts``, ``outcome``."""

    stages: tuple[Stage, ...] = CREATE_CLUSTER_STAGES
    clock: Callable[[], float] = time.monotonic
    stage: int = 0  # 1-based; 0 until the first module starts
    module: str = ""
    task: str = ""
    outcome: str = ""  # "" while running, then "succeeded" | "failed" | "cancelled" | "declined"
    hosts: dict[str, HostRow] = field(default_factory=dict)
    started_at: float | None = None
    ended_at: float | None = None

    @property
    def total(self) -> int:
        return len(self.stages)

    @property
    def stage_title(self) -> str:
        """The English title as an L_ message (equal to the English; shown() translates)."""
        return L_(self.stages[self.stage - 1].title if self.stage else N_("Starting"))

    @property
    def percent(self) -> int:
        if self.outcome == "succeeded":
            return 100
        return int(100 * max(self.stage - 1, 0) / self.total)

    @property
    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.ended_at or self.clock()) - self.started_at

    def start(self) -> None:
        self.started_at = self.clock()

    def feed(self, event: KkEvent) -> bool:
        """Update from one event; True when something shown in a status line changed."""
        if self.started_at is None:
            self.start()
        if isinstance(event, TaskStarted):
            self.module, self.task = event.module, event.task
            self.stage = self._stage_of(event.module)
            return True
        if isinstance(event, HostStatus):
            row = self.hosts.setdefault(event.host, HostRow(event.host))
            row.status, row.module, row.task = event.status, self.module, self.task
            if event.status == "retry":
                row.retries += 1
            elif event.status == "failed":
                row.failures += 1
            return False
        if isinstance(event, PipelineSucceeded):
            self.outcome = "succeeded"
            return True
        if isinstance(event, PipelineFailed):
            self.outcome = "failed"
            for host, task, reason in event.hosts:
                row = self.hosts.setdefault(host, HostRow(host))
                row.status, row.reason = "failed", reason
                row.task = task or row.task
                row.module = event.module or row.module
            return True
        if isinstance(event, ProcessExited):
            self.ended_at = self.clock()
            if event.cancelled:
                self.outcome = "cancelled"
            elif event.declined:
                self.outcome = "declined"
            elif not self.outcome:
                self.outcome = "succeeded" if event.code == 0 else "failed"
            return True
        return False

    def status_line(self) -> str:
        """``stage 8/14 etcd · ETCDConfigureModule · 42% · 03:12``"""
        values = {"stage": self.stage, "total": self.total, "title": self.stage_title,
                  "module": self.module, "percent": self.percent,
                  "elapsed": format_elapsed(self.elapsed)}
        if self.module:
            return L_("stage {stage}/{total} {title} · {module} · {percent}% · {elapsed}",
                      **values)
        return L_("stage {stage}/{total} {title} · {percent}% · {elapsed}", **values)

    def _stage_of(self, module: str) -> int:
        start = max(self.stage, 1)
        for index in range(start, self.total + 1):
            if module in self.stages[index - 1].modules:
                return index
        return self.stage  # unknown module (or a kk newer than this table): stay


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
