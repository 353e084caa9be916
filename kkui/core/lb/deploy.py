"""Put the rendered pair on its hosts: packages, configs (old ones kept), check, restart.

Hosts are done one after the other and the deploy stops at the first failure, so a bad config
never reaches the second LB. New files are checked on the host (where the interface exists)
before they replace the old ones. A file identical to the live one is left alone and its
service is not touched: restarting keepalived on the VIP holder moves the VIP (a short API
outage), which a backend-only change must not cause. A changed haproxy.cfg is applied to a
running haproxy with ``systemctl reload haproxy``: the distro units reload with ``haproxy -c``
then ``kill -USR2`` on the master (haproxy's ``-Ws`` master-worker mode), which starts new
workers on the new file while the old ones finish their connections (``-sf`` semantics), so the
frontend never stops listening and keepalived's ``killall -0 haproxy`` check never fails (a new
control plane joins the backends without an API blip). keepalived is restarted only when its
own file changed.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol

from kkui.core.errors import KkuiError
from kkui.core.lb.ops import ShellResult
from kkui.core.lb.render import RenderedHost
from kkui.core.ssh.messages import displayable
from kkui.i18n import L_, joined, listed

PACKAGES = ("haproxy", "keepalived", "psmisc")
SERVICES = ("haproxy", "keepalived")
HAPROXY_CFG = "/etc/haproxy/haproxy.cfg"
KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf"
NEW_SUFFIX = ".kkui-new"
# the five steps of a host's deploy (StepResult.step), shown translated
STEP_PACKAGES, STEP_UPLOAD, STEP_CHECK, STEP_INSTALL, STEP_RESTART = (
    L_("packages"), L_("upload"), L_("check"), L_("install"), L_("restart"))
INSTALL_TIMEOUT = 900.0

TOOLS = ("haproxy", "keepalived", "killall")  # killall comes with psmisc
MISSING_TOOLS = f"for t in {' '.join(TOOLS)}; do command -v $t >/dev/null || echo $t; done"
_PKGS = " ".join(PACKAGES)
INSTALL_SCRIPT = f"""\
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y {_PKGS} || {{ apt-get update && apt-get install -y {_PKGS}; }}
elif command -v dnf >/dev/null 2>&1; then dnf install -y {_PKGS}
elif command -v yum >/dev/null 2>&1; then yum install -y {_PKGS}
elif command -v zypper >/dev/null 2>&1; then zypper --non-interactive install {_PKGS}
else echo "no supported package manager (apt-get, dnf, yum, zypper)" >&2; exit 3
fi"""


class RemoteShell(Protocol):
    """What deploy needs from an SSH session (``kkui.core.ssh.SshSession`` fits)."""

    def run(self, command: str, sudo: bool = False, timeout: float = 30.0) -> ShellResult: ...
    def put_file(self, remote_path: str, data: bytes, mode: int = 0o644, *,
                 sudo: bool = False) -> None: ...


class DeployError(KkuiError):
    """A deploy step failed on a host; later steps and hosts were not touched."""


@dataclass(frozen=True)
class StepResult:
    host: str
    step: str
    status: str  # "done", "skipped" (nothing to do), "failed"
    detail: str = ""


@dataclass
class HostDeploy:
    host: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.steps)


def plan(rendered: Sequence[RenderedHost]) -> list[str]:
    """What deploy will do, in order, for the confirmation prompt."""
    lines: list[str] = []
    for host in rendered:
        lines += [
            f"{host.name} ({host.address}):",
            L_("  1. install {packages} with the host's package manager if missing",
               packages=", ".join(PACKAGES)),
            L_("  2. upload haproxy.cfg and keepalived.conf next to {haproxy_cfg} and "
               "{keepalived_conf} (mode 0600)", haproxy_cfg=HAPROXY_CFG,
               keepalived_conf=KEEPALIVED_CONF),
            L_("  3. check them on the host: haproxy -c, keepalived -t (stop here on failure)"),
            L_("  4. keep the current files as *.kkui-<time>.bak, move the new ones in place "
               "(files that did not change are left alone)"),
            L_("  5. systemctl enable haproxy keepalived; then, only where its file changed: "
               "reload haproxy (no restart: connections and the VIP stay; started if not "
               "running), restart keepalived"),
        ]
    lines.append(L_("Hosts are done one at a time; the deploy stops at the first failure."))
    return lines


def _tail(res: ShellResult, secrets: Iterable[str]) -> str:
    text = (res.stderr.strip() or res.stdout.strip()).splitlines()[-5:]
    out = "\n".join(text) or L_("exit {status}", status=res.exit_status)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "••••")
    return out


def deploy_host(shell: RemoteShell, rendered: RenderedHost, *, secrets: Iterable[str] = (),
                stamp: str | None = None, root: str = "",
                on_step: Callable[[StepResult], None] | None = None) -> HostDeploy:
    """Run the five steps on one host; stops at the first failed step.

    ``root`` prefixes the /etc paths (tests deploy into a directory of a loopback host).
    """
    secrets = list(secrets)
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    result = HostDeploy(rendered.name)

    def record(step: str, status: str, detail: str = "") -> bool:
        # details quote the host's output: no terminal control sequences (issue #10, item 8)
        item = StepResult(rendered.name, step, status, displayable(detail))
        result.steps.append(item)
        if on_step:
            on_step(item)
        return status != "failed"

    def sh(command: str, timeout: float = 60.0) -> ShellResult:
        return shell.run(command, sudo=True, timeout=timeout)

    def missing_tools() -> list[str]:
        return sh(MISSING_TOOLS).stdout.split()

    # 1. packages
    missing = missing_tools()
    if not missing:
        record(STEP_PACKAGES, "skipped", L_("haproxy, keepalived and killall already installed"))
    else:
        res = sh(INSTALL_SCRIPT, timeout=INSTALL_TIMEOUT)
        still = missing_tools()
        if res.exit_status != 0 or still:
            why = L_("still missing: {tools}", tools=", ".join(still)) \
                if res.exit_status == 0 else _tail(res, secrets)
            record(STEP_PACKAGES, "failed", why)
            return result
        record(STEP_PACKAGES, "done", L_("installed {packages} (missing: {tools})",
                                         packages=", ".join(PACKAGES), tools=", ".join(missing)))

    # 2. upload next to the live files
    haproxy_cfg, keepalived_conf = root + HAPROXY_CFG, root + KEEPALIVED_CONF
    files = ((haproxy_cfg, rendered.haproxy_cfg), (keepalived_conf, rendered.keepalived_conf))
    res = sh("mkdir -p " + " ".join(shlex.quote(str(PurePosixPath(p).parent)) for p, _ in files))
    if res.exit_status != 0:
        record(STEP_UPLOAD, "failed", _tail(res, secrets))
        return result
    for path, text in files:
        shell.put_file(path + NEW_SUFFIX, text.encode(), 0o600, sudo=True)
    record(STEP_UPLOAD, "done", ", ".join(p + NEW_SUFFIX for p, _ in files))

    # 3. check on the host itself (its interfaces, its haproxy version)
    discard = "rm -f " + " ".join(shlex.quote(p + NEW_SUFFIX) for p, _ in files)
    res = sh(f"haproxy -c -f {shlex.quote(haproxy_cfg + NEW_SUFFIX)}")
    if res.exit_status != 0:
        sh(discard)
        record(STEP_CHECK, "failed", "haproxy -c: " + _tail(res, secrets))
        return result
    res = sh(f"keepalived -t -f {shlex.quote(keepalived_conf + NEW_SUFFIX)}")
    keepalived_note = L_("keepalived -t: valid")
    if res.exit_status != 0:
        if "unrecognized option" in res.stderr or "invalid option" in res.stderr:
            keepalived_note = L_("keepalived -t: not supported by this keepalived (< 2.0)")
        else:
            sh(discard)
            record(STEP_CHECK, "failed", "keepalived -t: " + _tail(res, secrets))
            return result
    record(STEP_CHECK, "done", joined("; ", [L_("haproxy -c: valid"), keepalived_note]))

    # 4. backups, then the new files.  The script prints one word per file: "same" (new file
    # dropped), "new" (no live file before) or the backup it made.  Without cmp (diffutils)
    # every file counts as changed, which is the safe side.
    swaps = []
    for path, _ in files:
        live, new = shlex.quote(path), shlex.quote(path + NEW_SUFFIX)
        bak = shlex.quote(f"{path}.kkui-{stamp}.bak")
        swaps.append(f"if cmp -s {new} {live}; then rm -f {new} && echo same; "
                     f"else if [ -f {live} ]; then cp -p {live} {bak} && echo {bak}; "
                     f"else echo new; fi && mv -f {new} {live}; fi")
    res = sh(" && ".join(swaps))
    outcome = dict(zip((p for p, _ in files), res.stdout.split(), strict=False))
    if res.exit_status != 0 or len(outcome) != len(files):
        record(STEP_INSTALL, "failed", _tail(res, secrets))
        return result
    changed = {p for p, word in outcome.items() if word != "same"}
    record(STEP_INSTALL, "done", joined("; ", [
        L_("{path}: unchanged", path=p) if word == "same" else
        L_("{path}: new (nothing to back up)", path=p) if word == "new" else
        L_("{path}: previous kept as {backup}", path=p, backup=word)
        for p, word in outcome.items()]))

    # 5. services: haproxy first, so keepalived's check finds it.  `start` is a no-op for a
    # running unit whose file did not change.  A running haproxy with a new file is reloaded
    # (the unit's ExecReload checks the file again, then USR2: no listener gap, so keepalived's
    # track script never fails and the VIP stays); one that is not running is (re)started.
    verbs = {"haproxy": "start", "keepalived": "restart" if keepalived_conf in changed
             else "start"}
    if haproxy_cfg in changed:
        res = sh("systemctl is-active haproxy")
        verbs["haproxy"] = "reload" if res.stdout.strip() == "active" else "restart"
    res = sh("systemctl enable haproxy keepalived && "
             + " && ".join(f"systemctl {verbs[unit]} {unit}" for unit in SERVICES))
    if res.exit_status != 0:
        record(STEP_RESTART, "failed", _tail(res, secrets))
        return result
    # `systemctl is-active A B` exits 0 when *any* unit is active: read each unit's state.
    res = sh("systemctl is-active " + " ".join(SERVICES))
    states = dict(zip(SERVICES, res.stdout.split(), strict=False))
    not_active = [unit for unit in SERVICES if states.get(unit) != "active"]
    if not_active:
        record(STEP_RESTART, "failed", L_(
            "not active after the restart: {units} — see `{command}` on the host",
            units=", ".join(f"{unit} ({states.get(unit, 'unknown')})" for unit in not_active),
            command=f"journalctl -u {' -u '.join(not_active)}"))
        return result
    done = [L_("reloaded {units}", units=listed([u for u in SERVICES if verbs[u] == verb]))
            if verb == "reload" else
            L_("restarted {units}", units=listed([u for u in SERVICES if verbs[u] == verb]))
            for verb in ("reload", "restart") if verb in verbs.values()]
    kept = [unit for unit in SERVICES if verbs[unit] == "start"]
    record(STEP_RESTART, "done", joined("; ", (
        ([listed(done)] if done else [])
        + ([L_("{units} not touched (file unchanged)", units=listed(kept))]
           if kept else [])
        + [L_("both enabled and active")])))
    return result


def deploy_all(shells: Sequence[tuple[RemoteShell, RenderedHost]], *,
               secrets: Iterable[str] = (), root: str = "",
               on_step: Callable[[StepResult], None] | None = None) -> list[HostDeploy]:
    """Deploy host after host, stopping after the first host that failed."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results: list[HostDeploy] = []
    for shell, rendered in shells:
        outcome = deploy_host(shell, rendered, secrets=secrets, stamp=stamp, root=root,
                              on_step=on_step)
        results.append(outcome)
        if not outcome.ok:
            break
    return results
