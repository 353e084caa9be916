"""The command list, written once: each command word, the module that registers it and its
one-line summary. `kkui --help` lists the commands from here without importing any command
module (issue #11: help must not cost a whole import of kkui); tests/test_startup.py checks
that every module registers exactly these words with exactly these summaries."""

from __future__ import annotations

# word -> (module under kkui.commands, summary shown by `kkui --help`), in listing order
COMMANDS: dict[str, tuple[str, str]] = {
    "export-config": ("config", "write a KubeKey config from a file or profile, with edits"),
    "validate": ("config", "check a config and print every problem with its fix"),
    "profiles": ("config", "list the bundled example topologies"),
    "precheck": ("precheck",
                 "check every host over SSH for what would break `kk create cluster`"),
    "download": ("download", "download (or import) the kk v3 binary and verify it"),
    "install": ("install", "precheck, then run `kk create cluster` with live progress"),
    "lb": ("lb", "render, deploy, check and drill the HAProxy + Keepalived pair"),
    "verify": ("verify", "check an installed cluster: etcd quorum, API through the VIP, nodes, "
                         "certificates, the LB pair"),
    "drill": ("drill", "a controlled failure (LB, master, node) with a timeline and a restore"),
    "triage": ("triage", "explain a kk failure from its log: cause, hosts, fix"),
    "bundle": ("bundle", "a secret-free support bundle: config, kk log, triage, host evidence"),
    "history": ("history", "the runs kkui recorded: list, show, log, diff"),
    "nodes": ("nodes", "add or delete nodes with kk, with kkui's checks around it"),
    "upgrade": ("upgrade",
                "upgrade Kubernetes one step with `kk upgrade`, verify, update the config"),
    "certs": ("certs", "certificate expiry calendar of every control-plane and etcd node"),
    "etcd": ("etcd", "etcd snapshot (backup) and restore of the cluster's kk-managed etcd"),
    "delete": ("delete", "delete the cluster with kk, then scan every host for leftovers"),
    "tui": ("tui", "the guided console (default when kkui runs without arguments)"),
}


def module_of(word: str) -> str | None:
    entry = COMMANDS.get(word)
    return entry[0] if entry else None
