"""The node replacement's checklist, run or resumed (issue #15): ONE function that ``kkui nodes
replace`` and the TUI's Cluster ops both call.

The steps and their order are :data:`kkui.core.day2.replace.STEPS` (why that order: the module
docstring there).  What differs between the CLI and the TUI is injected: how kk runs
(:data:`RunKk`: the CLI prints kk's lines and asks at kk's ``[yes/no]``, the TUI posts them to
its pane and its dialog was the answer), how verify reports (:data:`Verify`), where kkui's own
lines go (``say``, as in :mod:`kkui.core.day2.kkflow`) and how progress is shown
(:class:`StepChanged` events, one per step state).

Finished steps are kept in ``WORKDIR/replace-OLD-NEW.json``; a step recorded there whose state
can be checked (the config, etcd's member list) is checked again and redone when the state says
it is not done (someone put the old config back, a member came back).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kkui.core.day2.replace import STEPS, Checklist, EtcdMembers, check_replace, roles_after
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument
    from kkui.core.config.model import ClusterModel

# kk run for the checklist: (operation of kkops.OPERATIONS, kk's copy of the config, value)
# -> kk's exit status (after kkui's precheck gate, as every day-2 kk run)
RunKk = Callable[[str, "ClusterDocument", str], int]
# verify after a change: the model -> 0 when nothing failed
Verify = Callable[["ClusterModel"], int]
Say = Callable[[str, str], None]
StepState = Literal["earlier", "running", "done", "failed"]


@dataclass(frozen=True)
class StepChanged:
    """One step changed state: ``earlier`` (done by an earlier run, state re-checked),
    ``running``, ``done`` or ``failed`` (``detail`` says what was found)."""

    number: int  # 1-based
    total: int
    step: str  # the id in STEPS ("etcd-remove" ...)
    title: str  # an L_ message: "drain master3"
    state: StepState
    detail: str = ""

    @property
    def head(self) -> str:
        return f"[{self.number}/{self.total}] {self.title}"


@dataclass(frozen=True)
class ReplaceResult:
    ok: bool
    failed: int | None  # the step number to continue at (None when ok)
    checklist: Path
    cancelled: bool = False  # stopped by ``cancel`` before step ``failed``


@dataclass
class ReplaceHooks:
    """What the caller provides; every hook is called from the running thread."""

    run_kk: RunKk
    verify: Verify
    on_step: Callable[[StepChanged], None]
    say: Say  # kkui's lines of the LB re-deploy ("ok", "fail", "note", "detail")
    save: bool = True  # the config step saves the file (the TUI leaves saving to ctrl+s)
    on_config: Callable[[str, str, list[str]], None] | None = None  # (old, new, roles) edited
    cancel: threading.Event | None = None  # set: stop before the next step


def step_titles(old: str, new: str) -> list[str]:
    """The checklist's lines (the TUI's Confirm dialog lists them before anything runs)."""
    return [L_(title, old=old, new=new) for _name, title in STEPS]


def run_replace(doc: ClusterDocument, old: str, new: str, workdir: Path,
                hooks: ReplaceHooks) -> ReplaceResult:
    """Run the checklist from its first unfinished step; stops at the first failing one.

    Raises :class:`kkui.core.day2.nodes.NodeRefused` when the replacement cannot be done (the
    config step not yet done and OLD/NEW do not qualify)."""
    from kkui.core.config import ClusterDocument
    from kkui.core.day2.nodes import drain_node, redeploy_lb

    todo = Checklist.load(workdir, old, new)
    roles = list(roles_after(doc.model(), old)) if old in doc.host_names() else []
    if "config" not in todo.done:
        check_replace(doc.model(), old, new)

    def member_names() -> dict[str, str] | None:
        members = EtcdMembers(doc.model(), avoid=old)
        try:
            ok, names = members.names()
        finally:
            members.close()
        return names if ok and isinstance(names, dict) else None

    def state_says_done(step: str) -> bool:
        """Re-check what can be checked: a recorded step whose state is gone is redone."""
        if step == "config":
            return old not in doc.host_names() and new in doc.host_names() and \
                "etcd" in doc.model().roles_of(new)
        if step in ("etcd-remove", "etcd-new"):
            names = member_names()
            if names is None:
                return False
            return (old not in names) if step == "etcd-remove" else (new in names)
        return True

    def lb_step(without: bool) -> tuple[bool, str]:
        """The pair re-deployed without OLD (its row still in the config) or with NEW."""
        model = doc.model()
        if not model.kkui.load_balancer.hosts:
            return True, L_("no kkui LB pair in the config: nothing to do")
        if without and old in doc.host_names():
            variant = ClusterDocument.from_text(doc.to_text(), source=str(doc.path))
            variant.remove_host(old)
            model = variant.model()
        ok = redeploy_lb(model, hooks.say)
        backends = ", ".join(h.name for h in model.control_plane_hosts)
        return ok, (L_("haproxy backends now {backends}", backends=backends) if ok else
                    L_("the LB pair was not re-deployed (above)"))

    def step(name: str) -> tuple[bool, str]:
        model = doc.model()
        if name in ("verify", "verify-after"):
            code = hooks.verify(model)
            return code == 0, L_("verify passed") if code == 0 else L_("verify found problems")
        if name == "drain":
            return drain_node(model, old)
        if name == "etcd-remove":
            members = EtcdMembers(model, avoid=old)
            try:
                return members.remove(old)
            finally:
                members.close()
        if name == "etcd-new":
            names = member_names()
            if names is not None and new in names:
                return True, L_("{new} is an etcd member ({members})", new=new,
                                members=", ".join(sorted(names)))
            return False, L_("{new} is not in etcd's member list ({members}): check kk's "
                             "ETCDConfigureModule output above", new=new,
                             members=str(names) if names is not None else "unreadable")
        if name == "kk-delete":
            # kk's node filter skips etcd and control-plane nodes (kk v3.1.12
            # cmd/kk/pkg/kubernetes/tasks.go:488-491): kk's copy of the config shows OLD as
            # the worker it has become (its member is gone)
            variant = ClusterDocument.from_text(doc.to_text(), source=str(doc.path))
            variant.set_roles(old, ["worker"])
            code = hooks.run_kk("nodes delete", variant, old)
            return code == 0, L_("kk delete node {old} exit {code}", old=old, code=code)
        if name in ("lb-without", "lb-with"):
            return lb_step(name == "lb-without")
        if name == "config":
            doc.set_roles(new, roles)
            doc.remove_host(old)
            if hooks.on_config is not None:
                hooks.on_config(old, new, roles)
            if hooks.save and doc.path is not None:
                doc.save()
                return True, L_("{path}: {new} is {roles}, {old} removed", path=str(doc.path),
                                new=new, roles="/".join(roles), old=old)
            return True, L_("{new} is {roles}, {old} removed (ctrl+s saves the config)",
                            new=new, roles="/".join(roles), old=old)
        if name == "kk-add":
            code = hooks.run_kk("nodes add", doc, "")
            return code == 0, L_("kk add nodes exit {code}", code=code)
        raise AssertionError(name)

    total = len(STEPS)
    for number, (name, _title) in enumerate(STEPS, 1):
        title = L_(_title, old=old, new=new)
        if name in todo.done and state_says_done(name):
            hooks.on_step(StepChanged(number, total, name, title, "earlier"))
            continue
        if hooks.cancel is not None and hooks.cancel.is_set():
            return ReplaceResult(False, number, todo.path, cancelled=True)
        hooks.on_step(StepChanged(number, total, name, title, "running"))
        ok, detail = step(name)
        if not ok:
            hooks.on_step(StepChanged(number, total, name, title, "failed", detail))
            return ReplaceResult(False, number, todo.path)
        todo.mark(name)
        hooks.on_step(StepChanged(number, total, name, title, "done", detail))
    return ReplaceResult(True, None, todo.path)
