#!/usr/bin/env python3
"""A stand-in for KubeKey v3.1.12's ``kk`` that replays a transcript (tests only).

Faithful to kk (see shared/KUBEKEY.md): log lines on stderr as ``HH:MM:SS ZONE message``,
the banner, precheck table, prompt and ``Installation is complete.`` on stdout, the prompt
without a newline, yes/y/no/n with re-asking, EOF on stdin -> ``[FATA] EOF`` and exit 1,
``-y/--yes`` skips the prompt but still prints the table, hard stops exit 1 even with --yes.

Environment:
  FAKE_KK_SCENARIO    transcript name in tests/support/kk_transcripts/ (default: the
                      command's own: success for create cluster, see DEFAULT_SCENARIOS)
  FAKE_KK_TRANSCRIPT  path of a transcript file (overrides the scenario)
  FAKE_KK_TRANSCRIPTS directory of the scenarios (default: kk_transcripts beside this file;
                      set it when this script is copied elsewhere, e.g. into a workdir)
  FAKE_KK_TZ          zone printed in timestamps (default CST; try +08)
  FAKE_KK_RECORD      write {"argv", "cwd", "kkzone", "config"} as JSON here when started
  FAKE_KK_CHILD_PID_FILE  where ``!child`` writes the pid of the process it spawns
  FAKE_KK_SPEED       multiplies every ``!sleep`` (default 1)
  FAKE_KK_CALLS       append {"argv", "cwd"} as one JSON line per invocation (a resume runs
                      several `alpha create phase` commands)
  FAKE_KK_FAIL_PHASE  the `alpha create phase` that fails (phase-failure.txt)

Transcript lines:  ``E text`` stderr line, ``O text`` stdout line (``{T}`` = timestamp),
``!banner``, ``!row name,sudo,curl,...,glusterfs`` + ``!table``, ``!confirm [PROMPT]``,
``!sleep S``, ``!split E|O text`` (written byte by byte), ``!child``, ``!hang``, ``!exit N``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRANSCRIPTS = HERE / "kk_transcripts"

BANNER = r"""

 _   __      _          _   __
| | / /     | |        | | / /
| |/ / _   _| |__   ___| |/ /  ___ _   _
|    \| | | | '_ \ / _ \    \ / _ \ | | |
| |\  \ |_| | |_) |  __/ |\  \  __/ |_| |
\_| \_/\__,_|_.__/ \___\_| \_/\___|\__, |
                                    __/ |
                                   |___/

"""

COLUMNS = ("name", "sudo", "curl", "openssl", "ebtables", "socat", "ipset", "ipvsadm",
           "conntrack", "chrony", "docker", "containerd", "nfs client", "ceph client",
           "glusterfs client", "time")

VERSION_TEXT = ('kk version: &version.Info{Major:"3", Minor:"1", GitVersion:"v3.1.12", '
                'GitCommit:"fake", GitTreeState:"", BuildDate:"", GoVersion:"go1.19.2", '
                'Compiler:"gc", Platform:"linux/amd64"}')


def stamp() -> str:
    zone = os.environ.get("FAKE_KK_TZ", "CST")
    return f"{time.strftime('%H:%M:%S')} {zone}"


def write(stream, text: str, newline: bool = True) -> None:
    stream.write(text.replace("{T}", stamp()) + ("\n" if newline else ""))
    stream.flush()


def table(rows: list[list[str]]) -> str:
    """modood/table's OutputA layout, as kk prints it."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    border = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells) -> str:
        return "|" + "|".join(f" {c:<{w}} " for c, w in zip(cells, widths, strict=True)) + "|"

    return "\n".join([border, line(COLUMNS), border, *(line(r) for r in rows), border])


# The day-2 commands kkui drives (issue #15), each with its default transcript; their prompts
# are kk's own (kk v3.1.12 cmd/kk/pkg/bootstrap/confirm/tasks.go:158,187,317).
DEFAULT_SCENARIOS = {("create", "cluster"): "success", ("add", "nodes"): "add-nodes",
                     ("delete", "node"): "delete-node", ("delete", "cluster"): "delete-cluster",
                     ("upgrade",): "upgrade", ("certs", "renew"): "certs-renew"}
# `kk alpha create phase NAME` (issue #14: resume), kk v3.1.12 cmd/kk/cmd/create/phase/phase.go:
# replays phase.txt, or phase-failure.txt for the phase named in FAKE_KK_FAIL_PHASE
# (FAKE_KK_SCENARIO does not apply: a resume runs several phases in one kkui run).
PHASE = ("alpha", "create", "phase")
PHASES = ("binary", "os", "images", "etcd", "init", "join", "configure", "addons")
DEFAULT_SCENARIOS[PHASE] = "phase"


def command_of(argv: list[str]) -> tuple[str, ...] | None:
    for command in DEFAULT_SCENARIOS:
        if tuple(argv[:len(command)]) == command:
            return command
    return None


def role_groups(config: str) -> dict[str, list[str]]:
    """``spec.roleGroups`` of the config kkui writes (block lists, or ``[]``): enough YAML for
    kk's node filter without a YAML library in this script."""
    groups: dict[str, list[str]] = {}
    current = None
    inside = False
    for line in config.splitlines():
        if line.strip() == "roleGroups:":
            inside = True
            continue
        if not inside:
            continue
        if line.startswith("    - ") and current is not None:
            groups[current].append(line[6:].strip())
        elif line.startswith("    ") and not line.startswith("     ") and ":" in line:
            current, _, rest = line.strip().partition(":")
            groups[current] = [] if rest.strip() in ("", "[]") else \
                [n.strip() for n in rest.strip().strip("[]").split(",") if n.strip()]
        elif line.strip():
            break
    return groups


def delete_node_refusal(name: str, config: str) -> str | None:
    """kk's FilterFirstMaster (kk v3.1.12 cmd/kk/pkg/kubernetes/tasks.go:470-511): only a
    worker that is neither the first master nor an etcd node may be deleted."""
    groups = role_groups(config)
    masters = groups.get("control-plane", groups.get("master", []))
    if name in masters[:1] or name in groups.get("etcd", []) or \
            name not in groups.get("worker", []):
        return ("1. check the node name in the config-sample.yaml\n"
                "2. check the node name in the Kubernetes cluster\n"
                "3. check the node name is the first master and etcd node name")
    return None


def confirm(auto_yes: bool, prompt: str = "") -> None:
    if auto_yes:
        return
    while True:
        write(sys.stdout, (prompt or "Continue this installation?") + " [yes/no]: ",
              newline=False)
        answer = sys.stdin.readline()
        if not answer:
            write(sys.stderr, "{T} [FATA] EOF")
            sys.exit(1)
        answer = answer.strip().lower()
        if answer in ("yes", "y"):
            return
        if answer in ("no", "n"):
            sys.exit(0)


def spawn_child() -> None:
    # A long-lived helper in its own session, deaf to SIGINT/SIGTERM: only a tree-wide
    # SIGKILL (psutil) gets rid of it, a process-group signal does not reach it.
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import signal,time\n"
         "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
         "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
         "time.sleep(600)\n"],
        start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    pid_file = os.environ.get("FAKE_KK_CHILD_PID_FILE")
    if pid_file:
        Path(pid_file).write_text(str(child.pid))


def replay(path: Path, auto_yes: bool) -> int:
    rows: list[list[str]] = []
    speed = float(os.environ.get("FAKE_KK_SPEED", "1"))
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw or raw.startswith("#"):
            continue
        kind, _, text = raw.partition(" ")
        if kind == "E":
            write(sys.stderr, text)
        elif kind == "O":
            write(sys.stdout, text)
        elif kind == "O+":  # an empty stdout line
            write(sys.stdout, "")
        elif kind == "!banner":
            write(sys.stdout, BANNER, newline=False)
        elif kind == "!row":
            cells = [c.strip() for c in text.split(",")]
            rows.append([*cells, f"{stamp().split()[1]} {stamp().split()[0]}"])
        elif kind == "!table":
            write(sys.stdout, table(rows))
            rows = []
        elif kind == "!confirm":
            confirm(auto_yes, text)
        elif kind == "!sleep":
            time.sleep(float(text) * speed)
        elif kind == "!split":
            where, _, body = text.partition(" ")
            stream = sys.stderr if where == "E" else sys.stdout
            data = (body.replace("{T}", stamp()) + "\n").encode("utf-8")
            for i in range(len(data)):
                stream.buffer.write(data[i:i + 1])
                stream.buffer.flush()
        elif kind == "!child":
            spawn_child()
        elif kind == "!hang":
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                time.sleep(60)
        elif kind == "!exit":
            return int(text)
        else:
            raise SystemExit(f"fake_kk: bad transcript line: {raw!r}")
    return 0


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # like a Go binary: die on SIGINT
    if argv[:1] == ["version"]:
        print(VERSION_TEXT)
        return 0
    record = os.environ.get("FAKE_KK_RECORD")
    config = None
    if "-f" in argv and argv.index("-f") + 1 < len(argv):
        config_path = Path(argv[argv.index("-f") + 1])
        config = config_path.read_text(encoding="utf-8") if config_path.is_file() else None
    if record:
        Path(record).write_text(json.dumps({
            "argv0": sys.argv[0], "argv": argv, "cwd": os.getcwd(),
            "kkzone": os.environ.get("KKZONE"), "config": config}))
    calls = os.environ.get("FAKE_KK_CALLS")  # every invocation, one JSON line each
    if calls:
        with open(calls, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"argv": argv, "cwd": os.getcwd()}) + "\n")
    command = command_of(argv)
    if command == PHASE and argv[3:4] and argv[3] not in PHASES:
        print(f'Error: unknown command "{argv[3]}" for "kk alpha create phase"',
              file=sys.stderr)
        return 1
    if command is None:
        print(f"fake kk: unsupported command {' '.join(argv)}", file=sys.stderr)
        return 2
    if command == ("delete", "node") and (len(argv) < 3 or argv[2].startswith("-")):
        print("error: node name can not be empty", file=sys.stderr)  # delete_node.go:66-70
        return 1
    if config is None:
        print("error: failed to load the config file: no such file", file=sys.stderr)
        return 1
    refusal = delete_node_refusal(argv[2], config) if command == ("delete", "node") else None
    if refusal is not None:
        write(sys.stderr, "{T} [CompareConfigAndClusterInfoModule] Find information about "
              "nodes that are expected to be deleted")
        write(sys.stderr, "{T} failed: [node1]")
        write(sys.stderr, "error: Pipeline[DeleteNodePipeline] execute failed: "
              "Module[CompareConfigAndClusterInfoModule] exec failed: ")
        write(sys.stderr, f"failed: [node1] [FindNode] exec failed after 1 retries: {refusal}")
        return 1
    # kk creates its work dir next to the path it was invoked as (os.Args[0]).
    (Path(sys.argv[0]).resolve().parent / "kubekey" / "logs").mkdir(parents=True, exist_ok=True)
    transcript = os.environ.get("FAKE_KK_TRANSCRIPT")
    folder = Path(os.environ.get("FAKE_KK_TRANSCRIPTS", TRANSCRIPTS))
    scenario = os.environ.get("FAKE_KK_SCENARIO", DEFAULT_SCENARIOS[command])
    if command == PHASE:
        failing = os.environ.get("FAKE_KK_FAIL_PHASE")
        scenario = "phase-failure" if failing and argv[3:4] == [failing] else "phase"
    path = Path(transcript) if transcript and command != PHASE else folder / f"{scenario}.txt"
    return replay(path, auto_yes="-y" in argv or "--yes" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
