"""One install flow for ``kkui install`` and the TUI's Install screen (issue #11, defect 4).

Both front ends call these steps, in this order, and re-implement none of them::

    plan = plan_install(doc, InstallOptions(...), env=os.environ)
        # validates (InstallRefused carries the problems), resolves the zone (--zone, else
        # KKZONE, else the document, else global) and the workdir, refuses to overwrite the
        # source config, names the log (log_name()), builds kk's argv and environment.
    gate = check_precheck(plan, report=None, on_host_done=None, cancel=None)
        # skipped with InstallOptions(skip_precheck=True) (CLI --skip-precheck, TUI
        # `kkui tui --skip-precheck`); a report that covers the plan's hosts is consulted,
        # otherwise the precheck runs now. gate.ok False -> do not start kk; gate.lines and
        # gate.message say why.
    kk = resolve_kk(plan, on_progress=None, cancel=None)
        # InstallOptions(kk_binary=PATH) or obtain_kk(version, zone, base_url): a ResolvedKk
        # with path, version, sha256 and a one-line description.
    prepare_workdir(plan, kk)
        # WORKDIR/config-sample.yaml with kk's documents only (0600), WORKDIR/kk placed atomically.
    process = plan.process(on_event=..., on_prompt=..., on_tick=..., tick=...)
        # a KkProcess running ./kk create cluster in WORKDIR with plan.env (KKZONE=cn for cn).
    code = process.run()
    summary = summarize(plan, InstallResult(...))
        # headline, details, hints, next steps (kubeconfig path of the SSH user) and the log.

``describe(plan)`` is the "Ready" line (which kk, which zone, how many hosts).
"""

from kkui.core.install.gate import PrecheckGate, check_precheck, report_covers
from kkui.core.install.kk import ResolvedKk, prepare_workdir, resolve_kk
from kkui.core.install.plan import (
    InstallOptions,
    InstallPlan,
    InstallRefused,
    describe,
    log_name,
    plan_install,
    secrets_of,
)
from kkui.core.install.summary import (
    InstallResult,
    InstallSummary,
    kubeconfig_path,
    restart_note,
    summarize,
)

__all__ = [
    "InstallOptions", "InstallPlan", "InstallRefused", "InstallResult", "InstallSummary",
    "PrecheckGate", "ResolvedKk", "check_precheck", "describe", "kubeconfig_path", "log_name",
    "plan_install", "prepare_workdir", "report_covers", "resolve_kk", "restart_note",
    "secrets_of", "summarize",
]
