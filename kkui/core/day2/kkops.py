"""The kk day-2 commands kkui drives, declared once, and their plans (issue #15).

Every day-2 command that runs kk goes through the install flow of :mod:`kkui.core.install`
(plan → precheck gate → kk binary → workdir → ``plan.process``) with only kk's argv, the log
name and the history record's command replaced, so the zone, the workdir, KKZONE, redaction,
the prompt answer, cancel (the whole tree) and the cluster lock are the install's.

kk's commands and their pipelines (kk v3.1.12 ``cmd/kk/pkg/pipelines/``):

- ``certs renew``: renew_certs.go:27-34 (RenewCertsModule runs ``kubeadm certs renew`` on the
  control-plane nodes; etcd certificates and CAs are not touched),
- ``delete cluster``: delete_cluster.go:35-42 (prompt ``Are you sure to delete this cluster?``),
- ``delete node NAME``: delete_node.go:31-38 (its node filter skips the first master and every
  etcd node: kubernetes/tasks.go:470-491),
- ``add nodes``: add_nodes.go:47-76 (precheck, OS configuration and etcd certs/backup on every
  host),
- ``upgrade --with-kubernetes V``: upgrade_cluster.go:47-71.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kkui.core.kk.process import KK_CONFIG_NAME
from kkui.i18n import N_

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument
    from kkui.core.install import InstallOptions, InstallPlan


@dataclass(frozen=True)
class KkOperation:
    id: str  # kkui's command, also the history record's: "certs renew", "nodes add"
    kk_words: tuple[str, ...]  # kk's subcommand: ("certs", "renew")
    title: str  # what the operator reads (N_, shown with _()): "add the new nodes"
    log_slug: str  # WORKDIR/logs/<slug>-<time>.log
    argument: str = ""  # the name of the one argument (delete node NAME, upgrade VERSION)

    def argv(self, value: str = "", extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        if self.argument and not value:
            raise ValueError(f"kk {' '.join(self.kk_words)} needs {self.argument}")
        words: tuple[str, ...] = self.kk_words
        if self.id == "upgrade":
            words += ("--with-kubernetes", value)
        elif value:
            words += (value,)
        return ("./kk", *words, "-f", KK_CONFIG_NAME, *extra)


OPERATIONS: Mapping[str, KkOperation] = {op.id: op for op in (
    KkOperation("certs renew", ("certs", "renew"), N_("renew the control-plane certificates"),
                "certs-renew"),
    KkOperation("delete", ("delete", "cluster"), N_("delete the cluster"), "delete"),
    # "nodes add" is what kkui.core.runs.query.last_applied looks for
    KkOperation("nodes add", ("add", "nodes"), N_("add the new nodes"), "nodes-add"),
    KkOperation("nodes delete", ("delete", "node"), N_("delete the node"), "nodes-delete",
                argument="NAME"),
    KkOperation("upgrade", ("upgrade",), N_("upgrade Kubernetes"), "upgrade",
                argument="VERSION"),
)}


def plan_operation(doc: ClusterDocument, options: InstallOptions, operation: str,
                   value: str = "", *, env: Mapping[str, str] | None = None,
                   now: float | None = None) -> InstallPlan:
    """:func:`kkui.core.install.plan_install` with kk's argv and the log name of ``operation``
    (raises as plan_install does; extra kk arguments come from ``options.extra_args``)."""
    from kkui.core.install import plan_install

    op = OPERATIONS[operation]
    plan = plan_install(doc, options, env=env, now=now)
    log_path = plan.log_path
    if options.log_path is None:
        log_path = plan.log_path.with_name(time.strftime(
            f"{op.log_slug}-%Y%m%d-%H%M%S.log", time.localtime(now)))
    extra = tuple(a for a in options.extra_args if a != "--")
    return dataclasses.replace(plan, argv=op.argv(value, extra), log_path=log_path)
