"""The node operations of the Cluster ops screen (issue #15): the dialogs before ``kk add
nodes``, ``kk delete node`` and the replacement's checklist, as ``kkui nodes add|delete|
replace`` (the same core checks: :mod:`kkui.core.day2.nodes`, :mod:`kkui.core.day2.replace`).
``n`` offers the three in one chooser (the footer has room for one key, not three); ``a``,
``d`` and ``r`` start them directly.

A plain helper of the screen, not a widget: it only opens dialogs; the kk runs are the
screen's (:meth:`OpsScreen.confirm_kk`) and the checklist's
(:class:`kkui.tui.screens.ops_replace.ReplaceChecklist`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kkui.core.config import ClusterDocument
from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel
from kkui.core.errors import shown_error
from kkui.i18n import N_, _, shown
from kkui.tui.modals.choose import Choose
from kkui.tui.modals.confirm import Confirm
from kkui.tui.screens.ops_kk import KkJob, Say, doc_copy, ops_workdir

if TYPE_CHECKING:
    from kkui.core.install import InstallPlan
    from kkui.core.runs import Run
    from kkui.tui.screens.ops import OpsScreen

# the `n` chooser: (action of the screen, its key, what it does)
NODE_ACTIONS = (
    ("add_nodes", "a", N_("Add nodes: the config's new host rows join (kk add nodes)")),
    ("delete_node", "d", N_("Delete a worker: drain, kk delete node, its row leaves")),
    ("replace_node", "r", N_("Replace a control-plane/etcd node, step by step")),
)


class NodeDialogs:
    def __init__(self, screen: OpsScreen) -> None:
        self.screen = screen

    def choose(self) -> None:
        """``n``: which node operation (each also has its own key)."""
        def chosen(action: str | None) -> None:
            if action:
                getattr(self.screen, f"action_{action}")()

        self.screen.app.push_screen(Choose(
            _("Which node operation?"), _("Each also has its own key (see ? for the keys)."),
            [(action, f"{key}  {_(text)}") for action, key, text in NODE_ACTIONS]), chosen)

    # ------------------------------------------------------------------ add
    def add(self) -> None:
        from kkui.core.day2.nodes import applied_config, diff_hosts, lb_followup

        screen = self.screen
        model = screen.model_ready()
        if model is None:
            return
        workdir = ops_workdir(screen.kapp)
        found = applied_config(model, workdir)
        if found is None:
            screen.notify(_("No applied config to compare with: no install or nodes add in "
                            "the history and no {workdir}/config-sample.yaml").format(
                                workdir=workdir), severity="error", title=_("Not started"))
            return
        applied = ClusterDocument.from_text(found[0], source=found[1]).model()
        diff = diff_hosts(applied, model, found[1])
        if not diff.new:
            screen.notify(_("No new host in the config: add host rows and roles on Hosts (1) "
                            "and Roles (2) first"), severity="warning", title=_("Nothing to add"))
            return
        roles = {n: "/".join(model.roles_of(n)) for n in diff.new}
        lines = [_("New: {hosts}").format(hosts=", ".join(f"{n} ({roles[n]})" for n in diff.new)),
                 _("Touched by kk (precheck, OS configuration, etcd certificates re-run on "
                   "every existing host, kubekey#1638, #1787): {hosts}").format(
                       hosts=", ".join(diff.touched))]
        if diff.changed:
            lines.append(_("Changed rows kk does NOT apply: {hosts}").format(
                hosts=", ".join(diff.changed)))
        note = lb_followup(diff, model, "the config")
        if note:
            lines.append(_("Then: {note}").format(note=shown(note)))
        lines.append(_("Compared with {baseline}.").format(baseline=diff.baseline))

        def after(plan: InstallPlan, run: Run, say: Say) -> int:
            from kkui.core.day2.flows import after_nodes_add

            return after_nodes_add(diff, plan.model, say, run)

        screen.confirm_kk(KkJob("nodes add", "", doc_copy(screen.doc), after=after),
                          _("Add {n} node(s) with kk add nodes?").format(n=len(diff.new)),
                          "\n\n".join(lines), yes=N_("Add nodes"))

    # ------------------------------------------------------------------ delete
    def delete(self) -> None:
        screen = self.screen
        model = screen.model_ready()
        if model is None:
            return
        workers = [h.name for h in model.hosts
                   if not {ROLE_CONTROL_PLANE, ROLE_ETCD} & set(model.roles_of(h.name))
                   and "worker" in model.roles_of(h.name)]
        if not workers:
            screen.notify(_("No worker-only node to delete (control-plane and etcd nodes are "
                            "replaced with r, as `kkui nodes replace`)"), severity="warning")
            return
        screen.app.push_screen(Choose(
            _("Delete which worker?"), _("kkui drains it, kk deletes it, its row leaves the "
                                         "config, then verify. Control-plane and etcd nodes "
                                         "are not offered (kk deletes workers only; replace "
                                         "them with r)."), [(n, n) for n in workers]),
            self._delete_chosen)

    def _delete_chosen(self, name: str | None) -> None:
        from kkui.core.day2.nodes import NodeRefused, removal_check

        if name is None:
            return
        screen = self.screen
        model = screen.doc.model()
        try:
            check = removal_check(model, name, force=False)
        except NodeRefused as exc:
            screen.notify(shown_error(exc), severity="error", title=_("Refused"), timeout=15)
            return
        rest = ClusterDocument.from_text(screen.doc.to_text(), source="<ops>")
        rest.remove_host(name)

        def before(plan: InstallPlan, run: Run, say: Say) -> int | None:
            from kkui.core.day2.flows import before_nodes_delete

            return before_nodes_delete(model, name, check.roles, say, run)

        def after(plan: InstallPlan, run: Run, say: Say) -> int:
            from kkui.core.day2.flows import verify_step

            return verify_step(rest.model(), say, run)

        screen.confirm_kk(KkJob("nodes delete", name, doc_copy(screen.doc), before=before,
                                after=after),
                          _("Delete {name}?").format(name=name),
                          _("kubectl cordon + drain {name} (on another control-plane node), "
                            "then kk delete node {name} (kubeadm reset there), then its row "
                            "leaves the config and verify runs.").format(name=name),
                          yes=_("Delete {name}").format(name=name))

    # ------------------------------------------------------------------ replace
    def replace(self) -> None:
        """OLD (an etcd node, not the first control plane) → NEW (a row not in the cluster)
        → the dialog → the checklist, as `kkui nodes replace`; a replacement left unfinished
        in the workdir is offered first."""
        from kkui.core.day2.replace import STEPS, Checklist

        screen = self.screen
        model = screen.model_ready()
        if model is None:
            return
        first = model.control_plane_hosts[0].name if model.control_plane_hosts else ""
        news = self._replacements(model)
        olds = [h.name for h in model.etcd_hosts if h.name != first] if news else []
        started = Checklist.unfinished(ops_workdir(screen.kapp))
        if not olds and not started:
            screen.notify(_("Nothing to replace: an etcd node other than the first control "
                            "plane and a host row outside the cluster are needed (add the new "
                            "host's row on Hosts (1) first, without roles)"), severity="warning",
                          title=_("Nothing to replace"))
            return
        roles = {n: "/".join(model.roles_of(n)) for n in olds}
        address = {h.name: h.internal_ipv4 for h in model.hosts}
        resumes = {f"continue {t.old} {t.new}": t for t in started}

        def old_chosen(old: str | None) -> None:
            if old is None:
                return
            if old in resumes:
                self._confirm_replace(resumes[old].old, resumes[old].new)
                return
            screen.app.push_screen(Choose(
                _("Replace {old} with which host?").format(old=old),
                _("The new host gets {old}'s roles ({roles}); {old}'s row leaves the config. "
                  "Rows shown: in the config, not in the cluster.").format(old=old,
                                                                           roles=roles[old]),
                [(n, f"{n} ({address[n]})") for n in news]),
                lambda new: self._confirm_replace(old, new) if new else None)

        screen.app.push_screen(Choose(
            _("Replace which node?"), _("A control-plane/etcd node, replaced step by step: its "
                                        "etcd member removed, kk delete node, then the new host "
                                        "added with kk add nodes."),
            [(key, _("continue: {old} → {new} ({done}/{total} steps done)").format(
                old=t.old, new=t.new, done=len(t.done), total=len(STEPS)))
             for key, t in resumes.items()] + [(n, f"{n} ({roles[n]})") for n in olds]),
            old_chosen)

    def _replacements(self, model: ClusterModel) -> list[str]:
        """Rows not in the cluster: no roles, or (new since the applied config) no
        control-plane/etcd role."""
        from kkui.core.day2.nodes import applied_config

        applied: set[str] | None = None
        found = applied_config(model, ops_workdir(self.screen.kapp))
        if found is not None:
            applied = set(ClusterDocument.from_text(found[0], source=found[1]).host_names())
        return [h.name for h in model.hosts
                if not model.roles_of(h.name) or (
                    applied is not None and h.name not in applied
                    and not {ROLE_CONTROL_PLANE, ROLE_ETCD} & set(model.roles_of(h.name)))]

    def _confirm_replace(self, old: str, new: str) -> None:
        from kkui.core.day2.nodes import NodeRefused, removal_check
        from kkui.core.day2.replace import Checklist, check_replace
        from kkui.core.day2.replace_flow import step_titles

        screen = self.screen
        model = screen.doc.model()
        workdir = ops_workdir(screen.kapp)
        todo = Checklist.load(workdir, old, new)
        lines: list[str] = []
        if "config" not in todo.done:
            try:
                check_replace(model, old, new)
                lines += [str(shown(q)) for q in removal_check(model, old, force=True).lines]
            except NodeRefused as exc:
                screen.notify(shown_error(exc), severity="error", title=_("Refused"),
                              timeout=15)
                return
            n = len(model.etcd_hosts)
            lines += [_("etcd after {new} joins: {n} members again (quorum {quorum}).").format(
                new=new, n=n, quorum=n // 2 + 1),
                _("Config: {new} gets {old}'s roles, {old}'s row removed (ctrl+s saves "
                  "it).").format(new=new, old=old)]
        lines.append(_("kk's prompts are answered by this dialog; kkui's precheck is skipped.")
                     if screen.kapp.skip_precheck else
                     _("kk's prompts are answered by this dialog; kkui's precheck runs first."))
        lines.append(_("{n} step(s) done earlier: re-checked, then it continues.").format(
            n=len(todo.done)) if todo.done else _("Progress kept in {path}.").format(
                path=todo.path))
        detail = "\n".join(f"{i}. {shown(t)}" for i, t in enumerate(step_titles(old, new), 1))
        screen.app.push_screen(
            Confirm(_("Replace {old} with {new}?").format(old=old, new=new), "\n".join(lines),
                    detail=detail, yes=N_("Replace")),
            lambda ok: screen.start_replace(old, new, workdir) if ok else None)
