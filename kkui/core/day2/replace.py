"""``kkui nodes replace OLD --with NEW``: a control-plane + etcd node replaced as a checklist.

kk has no replace: ``kk delete node`` refuses etcd nodes and never removes the etcd member
(kk v3.1.12 cmd/kk/pkg/kubernetes/tasks.go:488-491; kubekey PR #1920) and ``kk add nodes`` joins
a new etcd member only when the old one is gone from the member list.  The checklist does it in
the only safe order: verify → drain OLD → ``etcdctl member remove`` OLD from a healthy member →
``kk delete node OLD`` (with OLD as a worker in kk's copy of the config, so that kk's node filter
lets it through) → the LB pair without OLD → the config (NEW gets OLD's roles, OLD's row goes)
→ ``kk add nodes`` → NEW in etcd's member list → the LB pair with NEW → verify.

Each finished step is recorded in ``WORKDIR/replace-OLD-NEW.json``; re-running the command
re-checks the state of the steps that can be checked (the member list, the config) and continues
at the first unfinished one.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel, Host
from kkui.core.day2.nodes import NodeRefused
from kkui.core.fsutil import atomic_write
from kkui.core.sanitize import for_display
from kkui.core.ssh import KnownHosts, SshClientPool, SshError, SshSession, connect
from kkui.core.verify import gather
from kkui.core.verify.engine import first_reachable, run_script
from kkui.i18n import L_, N_, joined

UNHEALTHY_RETRY = 20.0  # seconds of "unhealthy cluster" answers before giving up

STEPS: tuple[tuple[str, str], ...] = (
    ("verify", N_("verify: the cluster is healthy before anything changes")),
    ("drain", N_("drain {old}")),
    ("etcd-remove", N_("etcdctl member remove {old} (from a healthy member)")),
    ("kk-delete", N_("kk delete node {old}")),
    ("lb-without", N_("kkui's LB pair without {old}")),
    ("config", N_("config: {new} gets {old}'s roles, {old}'s row removed")),
    ("kk-add", N_("kk add nodes ({new} joins)")),
    ("etcd-new", N_("etcd's member list shows {new}")),
    ("lb-with", N_("kkui's LB pair with {new}")),
    ("verify-after", N_("verify: the cluster is healthy after the replacement")),
)


@dataclass
class Checklist:
    old: str
    new: str
    path: Path
    done: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, workdir: Path, old: str, new: str) -> Checklist:
        path = workdir / f"replace-{old}-{new}.json"
        done: list[str] = []
        if path.is_file():
            try:
                done = [str(s) for s in json.loads(path.read_text())["done"]]
            except (ValueError, KeyError, TypeError):
                done = []
        return cls(old, new, path, done)

    @classmethod
    def unfinished(cls, workdir: Path) -> list[Checklist]:
        """The replacements started in ``workdir`` and not finished (the TUI offers to
        continue them: OLD's row may already be gone from the config)."""
        found = []
        for path in sorted(workdir.glob("replace-*.json")):
            try:
                data = json.loads(path.read_text())
                todo = cls(str(data["old"]), str(data["new"]), path,
                           [str(s) for s in data["done"]])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if path.name == f"replace-{todo.old}-{todo.new}.json" and \
                    len(set(todo.done) & {name for name, _ in STEPS}) < len(STEPS):
                found.append(todo)
        return found

    def mark(self, step: str) -> None:
        if step not in self.done:
            self.done.append(step)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(self.path, json.dumps({"old": self.old, "new": self.new,
                                            "done": self.done}) + "\n", mode=0o600,
                     keep_backup=False)

    def title(self, step: str) -> str:
        return L_(dict(STEPS)[step], old=self.old, new=self.new)


def check_replace(model: ClusterModel, old: str, new: str) -> tuple[str, ...]:
    """OLD's roles; refuses what the checklist cannot do (raises :class:`NodeRefused`)."""
    names = {h.name for h in model.hosts}
    for name in (old, new):
        if name not in names:
            raise NodeRefused(L_("{name}: no such host row in the config; add NEW's row first "
                                 "(`kkui tui`, or by hand), keep OLD's row until the "
                                 "replacement is done", name=name))
    roles = tuple(model.roles_of(old))
    if ROLE_ETCD not in roles:
        raise NodeRefused(L_("{old} is not an etcd node: use `kkui nodes delete {old}` and "
                             "`kkui nodes add`", old=old))
    if model.control_plane_hosts and model.control_plane_hosts[0].name == old:
        raise NodeRefused(L_("{old} is the first control-plane node, the one kk runs its "
                             "cluster-wide steps on (kk v3.1.12 tasks.go:470-472): move "
                             "another node to the top of roleGroups.control-plane first",
                             old=old))
    if len(model.etcd_hosts) < 3:
        raise NodeRefused(L_("etcd has {n} member(s): removing {old} loses quorum; add the "
                             "new member first", n=len(model.etcd_hosts), old=old))
    return roles


# ------------------------------------------------------------------------------- etcd
def _etcdctl(via: Host, endpoints: list[str]) -> str:
    ssl = f'"$R"{gather.ETCD_SSL}'
    return (f"ETCDCTL_API=3 etcdctl --endpoints={shlex.quote(','.join(endpoints))} "
            f"--cacert {ssl}/ca.pem --cert {ssl}/admin-{shlex.quote(via.name)}.pem "
            f"--key {ssl}/admin-{shlex.quote(via.name)}-key.pem "
            "--dial-timeout=3s --command-timeout=30s")


class EtcdMembers:
    """The member list, asked through (and changed from) a reachable etcd node other than
    ``avoid``, with that node's own endpoint only (a healthy member answers for all)."""

    def __init__(self, model: ClusterModel, avoid: str, *, timeout: float = 60.0,
                 connector: Callable[..., SshSession] = connect,
                 known_hosts: KnownHosts | None = None) -> None:
        self.model, self.avoid, self.timeout = model, avoid, timeout
        self.sessions = SshClientPool(known_hosts=known_hosts, strict_host_keys=False,
                                      connect_timeout=5.0, remember_failures=True,
                                      connector=connector)

    def close(self) -> None:
        self.sessions.close_all()

    def _run(self, command: str) -> tuple[bool, str]:
        candidates = [h for h in self.model.etcd_hosts if h.name != self.avoid]
        host, session, errors = first_reachable(candidates, self.sessions)
        if host is None or session is None:
            return False, L_("no other etcd node reachable: {errors}",
                             errors=joined("; ", errors))
        ctl = _etcdctl(host, [f"https://{host.internal_ipv4}:2379"])
        try:
            sec = run_script(session, gather.PRELUDE + gather.section(
                "etcd", command.format(ctl=ctl)), self.timeout).get("etcd")
        except SshError as exc:
            return False, f"on {host.name}: {for_display(str(exc), newlines=False)[:300]}"
        if sec is None or not sec.ok:
            return False, f"on {host.name}: {sec.why() if sec else 'no answer'}"
        return True, sec.stdout

    def names(self) -> tuple[bool, dict[str, str] | str]:
        """(ok, {member name: hex id}) or (False, why)."""
        ok, out = self._run("{ctl} member list -w json")
        if not ok:
            return False, out
        try:
            members = json.loads(out).get("members") or []
        except ValueError:
            return False, "unreadable member list"
        return True, {str(m.get("name", "")): format(int(m["ID"]), "x") for m in members}

    def remove(self, name: str) -> tuple[bool, str]:
        ok, found = self.names()
        if not ok or not isinstance(found, dict):
            return False, str(found)
        if name not in found:
            return True, L_("{name} is not a member (already removed)", name=name)
        # etcd refuses a removal ("etcdserver: unhealthy cluster", strict reconfig check) until
        # every remaining member has been connected for 5 s (etcd server.go
        # isReadyToRemoveMember / HealthInterval): right after a join, wait a little
        deadline = time.monotonic() + UNHEALTHY_RETRY
        while True:
            ok, out = self._run("{ctl} member remove " + found[name])
            if ok:
                return True, L_("removed member {name} ({id})", name=name, id=found[name])
            if "unhealthy cluster" not in out or time.monotonic() > deadline:
                return False, out
            time.sleep(1.0)


def roles_after(model: ClusterModel, old: str) -> list[str]:
    """NEW's roles: OLD's (control-plane kept as such; worker only if OLD had it)."""
    return [r for r in model.roles_of(old) if r in (ROLE_ETCD, ROLE_CONTROL_PLANE, "worker")]
