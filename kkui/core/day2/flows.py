"""What runs after kk succeeded, per day-2 operation (issue #15): one function each, called by
the CLI commands and the TUI's Cluster ops alike.  Lines go to ``say(kind, text)`` (kinds as
in :mod:`kkui.core.day2.kkflow`: "note", "ok", "fail", "warn", and "detail" for an indented
line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kkui.core.config.model import ClusterModel
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument
    from kkui.core.day2.nodes import HostDiff
    from kkui.core.runs import Run

Say = Callable[[str, str], None]


def verify_step(model: ClusterModel, say: Say, run: Run | None = None,
                only: list[str] | None = None) -> int:
    """``kkui verify`` (the checks that apply, or ``only``) after kk changed the cluster: one
    line per check that is not a pass, the summary line; 0 when nothing failed."""
    from kkui.core.verify.engine import run_verify

    say("note", L_("verifying the cluster (read-only, as `kkui verify`) ..."))
    report = run_verify(model, only=only)
    for r in report.results:
        if r.status != "pass":
            say("detail", f"{r.status.upper():<5} {r.id:<17} {r.target:<16} {r.detail}")
    say("ok" if report.ok else "fail", f"verify: {report.summary_line()}")
    if run is not None:
        run.add_findings(f"verify {finding}" for finding in report.findings())
    return 0 if report.ok else 1


def after_nodes_add(diff: HostDiff, model: ClusterModel, say: Say, run: Run | None = None,
                    *, strict_host_keys: bool = False) -> int:
    """New control planes join kkui's LB pair first (so verify sees the pair whole), then
    verify; 1 when either failed."""
    from kkui.core.day2.nodes import lb_followup, redeploy_lb

    lb_ok = True
    if lb_followup(diff, model, "the config"):
        if run is not None:
            run.stage("lb deploy")
        lb_ok = redeploy_lb(model, say, strict_host_keys=strict_host_keys)
    code = verify_step(model, say, run)
    return code or (0 if lb_ok else 1)


def set_upgraded_version(doc: ClusterDocument, target: str, *, save: bool = True) -> str:
    """The config says what the cluster runs now (saved when it is a file and ``save``: the
    TUI leaves saving to the operator); the line to show."""
    doc.set("spec.kubernetes.version", target)
    if not save:
        return L_("spec.kubernetes.version set to {target} (ctrl+s saves the config)",
                  target=target)
    if doc.path is None:
        return L_("spec.kubernetes.version set to {target} (not saved: the config has no "
                  "file)", target=target)
    doc.save()
    return L_("{path}: spec.kubernetes.version set to {target}", path=str(doc.path),
              target=target)


def remove_deleted_host(doc: ClusterDocument, name: str, *, save: bool = True) -> str:
    """The deleted node's row leaves the config (comments kept; saved as above); the line to
    show."""
    doc.remove_host(name)
    if not save:
        return L_("host {name} removed from the config (ctrl+s saves it)", name=name)
    if doc.path is None:
        return L_("host {name} removed from the config (not saved: the config has no file)",
                  name=name)
    doc.save()
    return L_("{path}: host {name} removed (comments kept)", path=str(doc.path), name=name)


def before_nodes_delete(model: ClusterModel, name: str, roles: tuple[str, ...], say: Say,
                        run: Run | None = None, *, drain: bool = True) -> int | None:
    """Before ``kk delete node``: cordon + drain (kubectl on another control plane), and for an
    etcd node (``--force``) its member removed from a healthy member, since kk never does
    (kubekey PR #1920).  An exit status to stop with, or None to run kk."""
    from kkui.core.day2.nodes import drain_node
    from kkui.core.day2.replace import EtcdMembers

    if not drain:
        say("note", L_("not draining {name} (--no-drain)", name=name))
    else:
        if run is not None:
            run.stage("drain")
        ok, detail = drain_node(model, name)
        say("ok" if ok else "fail", detail)
        if not ok:
            if run is not None:
                run.add_findings([detail])
            say("note", L_("kk was not started; fix the drain, or pass --no-drain"))
            return 1
    if "etcd" in roles:
        if run is not None:
            run.stage("etcd member remove")
        members = EtcdMembers(model, avoid=name)
        try:
            ok, detail = members.remove(name)
        finally:
            members.close()
        say("ok" if ok else "fail", L_("etcd: {detail}", detail=detail))
        if not ok:
            if run is not None:
                run.add_findings([detail])
            return 1
    return None
