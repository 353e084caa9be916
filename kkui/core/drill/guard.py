"""The restore registered on the host before the failure: it runs even if kkui dies.

Before a drill breaks anything on a host, kkui writes the restore script to
``/run/kkui-drill/<id>.sh`` and arms a timer there that runs it after ``max_outage`` seconds:
a ``systemd-run --on-active`` transient timer where systemd is PID 1 (it survives the SSH
session and logind's KillUserProcesses), otherwise a detached ``setsid sleep`` process.  Only
when the timer is confirmed armed does the drill proceed.  kkui then restores by itself (also on
Ctrl-C) and disarms the timer; if kkui is killed or the SSH link drops, the host restores alone.
``KKUI_PRECHECK_ROOT`` prefixes the directory, as for the read-only scripts (test lab).
"""

from __future__ import annotations

import shlex

from kkui.core.errors import KkuiError
from kkui.i18n import L_

GUARD_DIR = "/run/kkui-drill"


class GuardNotArmed(KkuiError):
    """The host-side restore could not be registered: nothing was broken."""


def arm_script(drill_id: str, restore: str, max_outage: float) -> str:
    """Write the restore and arm the timer; prints ``armed systemd|sleep <pid>``."""
    seconds = max(1, int(max_outage))
    body = shlex.quote(f"#!/bin/sh\n# kkui drill {drill_id}: restore\n{restore}"
                       f'rm -f "$0" "${{0%.sh}}.pid"\n')
    unit = f"kkui-drill-{drill_id}"
    return f"""set -e
D="${{KKUI_PRECHECK_ROOT:-}}{GUARD_DIR}"
mkdir -p "$D"; chmod 700 "$D"
F="$D/{drill_id}.sh"
printf '%s' {body} > "$F"; chmod 700 "$F"
if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
  systemd-run --quiet --unit {unit} --on-active={seconds}s /bin/sh "$F"
  systemctl is-active --quiet {unit}.timer
  echo "armed systemd {unit}"
else
  # disarming removes $F first: a timer that still fires then finds nothing to run
  setsid /bin/sh -c "sleep {seconds}; [ -f \\"$F\\" ] && exec /bin/sh \\"$F\\"" \\
    </dev/null >/dev/null 2>&1 &
  pid=$!
  echo $pid > "$D/{drill_id}.pid"
  kill -0 $pid
  echo "armed sleep $pid"
fi
"""


def disarm_script(drill_id: str) -> str:
    """Cancel the timer (kkui restored by itself) and remove the restore file."""
    unit = f"kkui-drill-{drill_id}"
    return f"""D="${{KKUI_PRECHECK_ROOT:-}}{GUARD_DIR}"
if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
  systemctl stop {unit}.timer 2>/dev/null || true
fi
rm -f "$D/{drill_id}.sh"
if [ -f "$D/{drill_id}.pid" ]; then
  kill "$(cat "$D/{drill_id}.pid")" 2>/dev/null || true
fi
rm -f "$D/{drill_id}.pid"
echo disarmed
"""


def parse_armed(stdout: str) -> str:
    """The timer's handle from ``arm_script``'s output; GuardNotArmed when it did not arm."""
    for line in stdout.splitlines():
        if line.startswith("armed "):
            return line[6:].strip()
    raise GuardNotArmed(L_("the host-side restore timer could not be armed; nothing was "
                           "changed"))
