"""Run the checks on every host in parallel: one SSH connection and one round trip per host.

Results are handed to ``on_host_done`` (in the caller's thread) as hosts finish; a set
``cancel`` event makes ``run_precheck`` return within a fraction of a second with what was
gathered.  Worker threads are daemons and their SSH sessions are closed on cancel.
"""

from __future__ import annotations

import queue
import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from kkui.core.config.model import ClusterModel, Host
from kkui.core.errors import ConfigError
from kkui.core.precheck.checks import (
    K8S_CHECK_IDS,
    K8S_CHECKS,
    LB_CHECK_IDS,
    LB_CHECKS,
    CheckContext,
    check_hostname,
    family,
    is_root,
    sudo_usable,
)
from kkui.core.precheck.gather import Facts, LbProbe, MissingFact, build_script, parse_output
from kkui.core.precheck.report import ROLE_LB, CheckResult, HostReport, PrecheckReport
from kkui.core.sanitize import for_display, is_clean
from kkui.core.ssh import KnownHosts, SshError, SshSession, connect
from kkui.core.ssh.messages import displayable
from kkui.core.ssh.session import (
    DECRYPTED_NOTE,
    ENCRYPTED_KEY_NOTE,
    KK_DEFAULT_KEY,
    host_label,
)
from kkui.i18n import L_, joined

MAX_WORKERS = 64
# The gather script prints a few KiB; a host printing far more is broken or hostile (1 GB of
# output once took 3.6 GB of kkui's memory): keep this much of stdout and of stderr.
MAX_OUTPUT = 4 * 1024 * 1024
CONNECT_TIMEOUT = 5.0
Connector = Callable[..., SshSession]


@dataclass(frozen=True)
class Target:
    host: Host
    roles: tuple[str, ...]
    is_lb: bool

    @property
    def role(self) -> str:
        return ROLE_LB if self.is_lb else ",".join(self.roles)


def select_targets(model: ClusterModel, names: Sequence[str] | None = None) -> list[Target]:
    """kk's hosts, then kkui's load-balancer hosts; ``names`` filters (unknown -> ConfigError)."""
    targets = [Target(h, model.roles_of(h.name), False) for h in model.hosts]
    targets += [Target(h, (), True) for h in model.kkui.load_balancer.hosts]
    if names:
        known = [t.host.name for t in targets]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(L_("--hosts: no host named {names} in the config (hosts: "
                                 "{hosts})", names=", ".join(map(repr, unknown)),
                                 hosts=", ".join(known) or L_("none")))
        targets = [t for t in targets if t.host.name in names]
    return targets


def run_precheck(model: ClusterModel, hosts: list[str] | None = None, strict: bool = False,
                 strict_host_keys: bool = False, timeout: float | None = None,
                 on_host_done: Callable[[HostReport], None] | None = None,
                 cancel: threading.Event | None = None, *,
                 known_hosts: KnownHosts | None = None, max_workers: int = MAX_WORKERS,
                 connector: Connector = connect) -> PrecheckReport:
    """Check the selected hosts (all by default). ``timeout`` overrides each host row's
    ``timeout`` for the remote script; connecting gives up after at most 5 s."""
    targets = select_targets(model, hosts)
    known = known_hosts if known_hosts is not None else KnownHosts()
    cancel = cancel or threading.Event()
    todo: queue.Queue[tuple[int, Target]] = queue.Queue()
    done: queue.Queue[tuple[int, HostReport]] = queue.Queue()
    for item in enumerate(targets):
        todo.put(item)
    live: set[SshSession] = set()
    live_lock = threading.Lock()

    def worker() -> None:
        while not cancel.is_set():
            try:
                index, target = todo.get_nowait()
            except queue.Empty:
                return
            try:
                report = _check_target(model, target, known=known,
                                       strict_host_keys=strict_host_keys, timeout=timeout,
                                       connector=connector, live=live, live_lock=live_lock,
                                       cancel=cancel)
            except Exception as exc:  # noqa: BLE001 - a dead worker would hang the caller
                report = _crashed(target, exc)
            done.put((index, report))

    threads = [threading.Thread(target=worker, name="kkui-precheck", daemon=True)
               for _ in range(min(max_workers, len(targets)))]
    for thread in threads:
        thread.start()

    results: dict[int, HostReport] = {}
    while len(results) < len(targets) and not cancel.is_set():
        try:
            index, report = done.get(timeout=0.05)
        except queue.Empty:
            if not any(t.is_alive() for t in threads) and done.empty():
                for index, target in enumerate(targets):  # belt and braces: never wait for
                    if index not in results:              # a worker that is gone
                        done.put((index, _crashed(target, RuntimeError())))
            continue
        report = sanitize_report(report)
        results[index] = _apply_strict(report, strict)
        if on_host_done is not None:
            on_host_done(results[index])
    if cancel.is_set():
        with live_lock:
            sessions = list(live)
        for s in sessions:
            s.close()  # unblocks their reads; the daemon threads then exit on their own
    finished = [results[i] for i in sorted(results)]
    finished = [_apply_strict(r, strict) for r in _cross_host(model, finished, targets)]
    pending = [t.host.name for i, t in enumerate(targets) if i not in results]
    return PrecheckReport(hosts=finished, cancelled=bool(pending), pending=pending)


def _check_target(model: ClusterModel, target: Target, *, known: KnownHosts,
                  strict_host_keys: bool, timeout: float | None, connector: Connector,
                  live: set[SshSession], live_lock: threading.Lock,
                  cancel: threading.Event) -> HostReport:
    host = target.host
    limit = float(timeout if timeout is not None else host.timeout or 30)
    base = HostReport(name=host.name, address=host.address, role=target.role, checks=())
    try:
        session = connector(host, known_hosts=known, strict_host_keys=strict_host_keys,
                            connect_timeout=min(CONNECT_TIMEOUT, limit))
    except SshError as exc:
        return replace(base, checks=(CheckResult("ssh", "fail", exc.message, exc.fix),))
    base = replace(base, host_key_note=session.host_key_note)
    with live_lock:
        live.add(session)
    try:
        if cancel.is_set():
            raise SshError(L_("cancelled"))
        ssh_result = _ssh_check(target, session)
        script = build_script(have_password=bool(host.password), lb=_lb_probe(model, target))
        sent = time.time()
        res = session.run(f"/bin/bash -c {shlex.quote(script)}", timeout=limit,
                          input=(host.password + "\n") if host.password else None,
                          max_output=MAX_OUTPUT)
        received = time.time()
    except SshError as exc:
        why = L_("cancelled") if cancel.is_set() else exc.message
        return replace(base, checks=(CheckResult("ssh", "pass", _ssh_detail(session)),
                                     CheckResult("gather", "error",
                                                 L_("the fact-gathering script failed: {why}",
                                                    why=why))))
    finally:
        with live_lock:
            live.discard(session)
        session.close()
    facts = parse_output(res.stdout, res.stderr)
    ctx = _context(model, target, sent, received)
    checks = [ssh_result] + _run_checks(facts, ctx, target.is_lb)
    if res.truncated:
        checks.append(CheckResult(
            "gather", "error",
            L_("the host printed more than {size} MiB in answer to the fact-gathering script: "
               "the output was cut there and the checks above used only that part",
               size=MAX_OUTPUT // 1048576),
            L_("look for a login script (~/.bashrc, /etc/profile.d) or a stub tool that prints "
               "endlessly on that host")))
    elif not facts.complete:
        tail = res.stderr.strip().splitlines()[-1:] or [
            L_("exit status {status}", status=res.exit_status)]
        checks.append(CheckResult("gather", "error",
                                  L_("the fact-gathering script stopped early: {line}",
                                     line=tail[0])))
    return _with_host_facts(replace(base, checks=tuple(checks)), facts, ctx)


def sanitize_report(report: HostReport) -> HostReport:
    """Everything in a host's report may come from the host (sudo's message, the hostname,
    tool versions): no terminal control sequence may reach the screen (issue #10, item 8)."""
    checks = tuple(replace(c, detail=displayable(c.detail), fix=displayable(c.fix))
                   if not (is_clean(c.detail) and is_clean(c.fix)) else c
                   for c in report.checks)
    return replace(report, checks=checks, hostname=for_display(report.hostname, newlines=False))


def _crashed(target: Target, exc: Exception) -> HostReport:
    """An unexpected error in this host's worker: an ``error`` row for the host, never a hang.
    Only the exception's type is shown: its text may come from the host or hold key data."""
    host = target.host
    return HostReport(name=host.name, address=host.address, role=target.role, checks=(
        CheckResult("ssh", "error", L_("{host}: checking this host failed unexpectedly "
                                       "({error})", host=host_label(host),
                                       error=type(exc).__name__),
                    L_("run `kkui precheck --hosts {name}` again; if it repeats, report it with "
                       "this message", name=host.name)),))


def _ssh_detail(session: SshSession) -> str:
    h = session.host
    detail = L_("{login} by {method}", login=f"{h.user}@{h.address}:{h.port}",
                method=session.auth_method)
    return joined("; ", [detail, session.host_key_note]) if session.host_key_note else detail


def _ssh_check(target: Target, session: SshSession) -> CheckResult:
    detail = _ssh_detail(session)
    through_agent = session.auth_method == "publickey (ssh-agent)"
    has_key = bool(target.host.private_key_path or target.host.private_key)
    if not target.is_lb and (DECRYPTED_NOTE in session.auth_method
                             or ENCRYPTED_KEY_NOTE in session.auth_method
                             or (through_agent and has_key)):  # the agent stood in for it
        # kk v3 parses keys without a passphrase (cmd/kk/pkg/core/connector/ssh.go:81)
        return CheckResult(
            "ssh", "fail",
            L_("{detail}; but kk cannot use an encrypted key (it has no passphrase setting): "
               "kk's SSH to this host would fail", detail=detail),
            L_("give host {name} an unencrypted key (a copy: ssh-keygen -p -N '' -f COPY) in "
               "`privateKeyPath:`, or only a `password:` (kk stops at an encrypted key even "
               "when the row has a password)", name=target.host.name))
    if not target.is_lb and session.auth_method == "publickey (ssh-agent)":
        return CheckResult(
            "ssh", "warn",
            L_("{detail}; but kk does not use ssh-agent: it would try {key} only",
               detail=detail, key=KK_DEFAULT_KEY),
            L_("give host {name} a `privateKeyPath:` (or `password:`)", name=target.host.name))
    return CheckResult("ssh", "pass", detail)


def _lb_probe(model: ClusterModel, target: Target) -> LbProbe | None:
    if not target.is_lb:
        return None
    lb = model.kkui.load_balancer
    try:
        return LbProbe(vip=lb.vip, port=lb.port, interface=lb.interface)
    except ValueError:
        return LbProbe(vip="", port=lb.port if 0 < lb.port < 65536 else 6443, interface="")


def _context(model: ClusterModel, target: Target, sent: float, received: float) -> CheckContext:
    lb = model.kkui.load_balancer
    return CheckContext(
        host=target.host, roles=target.roles, container_manager=model.container_manager,
        network_plugin=model.network_plugin, skip_configure_os=model.skip_configure_os,
        sent_at=sent, received_at=received, lb_vip=lb.vip, lb_prefix=lb.prefix,
        lb_port=lb.port, lb_interface=lb.interface)


def _run_checks(facts: Facts, ctx: CheckContext, is_lb: bool) -> list[CheckResult]:
    checks, ids = (LB_CHECKS, LB_CHECK_IDS) if is_lb else (K8S_CHECKS, K8S_CHECK_IDS)
    out: list[CheckResult] = []
    for check_id, fn in zip(ids[1:], checks, strict=True):
        try:
            out.append(fn(facts, ctx))
        except MissingFact as missing:
            out.append(CheckResult(check_id, "error",
                                   L_("no data: the host did not report {section}",
                                      section=repr(missing.args[0]))))
        except (ValueError, IndexError, KeyError) as exc:
            out.append(CheckResult(check_id, "error",
                                   L_("could not read the host's answer ({error})",
                                      error=type(exc).__name__)))
    return out


def _with_host_facts(report: HostReport, facts: Facts, ctx: CheckContext) -> HostReport:
    hostname = facts.lines("hostname")[0].strip() if facts.sections.get("hostname") else ""
    vip = facts.sections.get("vip", [])
    holds_vip = "local=yes" in vip and facts.kv("services").get("keepalived") == "active" \
        if facts.has("services") else False
    try:
        fam = family(facts)
        if {"apt": "apt-get"}.get(fam, fam) not in facts.kv("pkgmgr"):
            fam = ""  # guessed from os-release, but not actually on the host
        root = is_root(facts, ctx)
        can = root or sudo_usable(facts)
    except MissingFact:
        return replace(report, hostname=hostname, holds_vip=holds_vip)
    return replace(report, package_manager=fam, sudo_prefix="" if root else "sudo ",
                   can_install=can, hostname=hostname, holds_vip=holds_vip)


def _cross_host(model: ClusterModel, reports: list[HostReport],
                targets: list[Target]) -> list[HostReport]:
    """Checks that need every host's answer: duplicate hostnames, a VIP held by a peer LB."""
    k8s = {t.host.name: t for t in targets if not t.is_lb}
    hostnames = {r.name: r.hostname for r in reports if r.hostname and r.name in k8s}
    out: list[HostReport] = []
    for r in reports:
        target = k8s.get(r.name)
        if target is not None and r.name in hostnames and r.check("hostname") is not None:
            ctx = CheckContext(host=target.host, peer_hostnames=hostnames,
                               skip_configure_os=model.skip_configure_os)
            facts = Facts(sections={"hostname": [hostnames[r.name]]})
            r = r.replace_check(check_hostname(facts, ctx))
        out.append(r)
    holders = [r.name for r in out if r.role == ROLE_LB and r.holds_vip]
    if holders:
        vip = model.kkui.load_balancer.vip
        held = CheckResult("vip", "pass", L_("{vip} is held by {host}'s keepalived (earlier "
                                             "deploy)", vip=vip, host=holders[0]))
        out = [r.replace_check(held) if r.role == ROLE_LB and r.name not in holders else r
               for r in out]
    return out


def _apply_strict(report: HostReport, strict: bool) -> HostReport:
    if not strict or not any(c.status == "warn" for c in report.checks):
        return report
    checks = tuple(replace(c, status="fail", detail=L_("{detail} [--strict]", detail=c.detail))
                   if c.status == "warn" else c for c in report.checks)
    return replace(report, checks=checks)
