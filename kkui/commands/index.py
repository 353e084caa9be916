"""The command list, written once: each command word, the module that registers it and its
one-line summary. `kkui --help` lists the commands from here without importing any command
module (issue #11: help must not cost a whole import of kkui); tests/test_startup.py checks
that every module registers exactly these words with exactly these summaries. The summaries
are English message ids: kkui/cli.py translates them when it prints the list (issue #16)."""

from __future__ import annotations

from kkui.i18n import N_

# word -> (module under kkui.commands, summary shown by `kkui --help`), in listing order
COMMANDS: dict[str, tuple[str, str]] = {
    "export-config": ("config", N_("write a KubeKey config from a file or profile, with edits")),
    "validate": ("config", N_("check a config and print every problem with its fix")),
    "profiles": ("config", N_("list the bundled example topologies")),
    "precheck": ("precheck",
                 N_("check every host over SSH for what would break `kk create cluster`")),
    "download": ("download", N_("download (or import) the kk v3 binary and verify it")),
    "install": ("install", N_("precheck, then run `kk create cluster` with live progress")),
    "lb": ("lb", N_("render, deploy, check and drill the HAProxy + Keepalived pair")),
    "verify": ("verify", N_("check an installed cluster: etcd quorum, API through the VIP, nodes, "
                         "certificates, the LB pair")),
    "drill": ("drill", N_("a controlled failure (LB, master, node) with a timeline and a restore")),
    "triage": ("triage", N_("explain a kk failure from its log: cause, hosts, fix")),
    "bundle": ("bundle", N_("a secret-free support bundle: config, kk log, triage, host evidence")),
    "history": ("history", N_("the runs kkui recorded: list, show, log, diff")),
    "nodes": ("nodes", N_("add or delete nodes with kk, with kkui's checks around it")),
    "upgrade": ("upgrade",
                N_("upgrade Kubernetes one step with `kk upgrade`, verify, update the config")),
    "certs": ("certs", N_("certificate expiry calendar of every control-plane and etcd node")),
    "etcd": ("etcd", N_("etcd snapshot (backup) and restore of the cluster's kk-managed etcd")),
    "delete": ("delete", N_("delete the cluster with kk, then scan every host for leftovers")),
    "report": ("report", N_("a Markdown handover report: topology, versions, last runs, drills")),
    "tui": ("tui", N_("the guided console (default when kkui runs without arguments)")),
}


def module_of(word: str) -> str | None:
    entry = COMMANDS.get(word)
    return entry[0] if entry else None
