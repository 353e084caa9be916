"""What kk is probably doing when it prints nothing for a while, per install stage.

kk v3.1.12 logs one line per task start and one per host result; a task that downloads
(kubekey's ``files.go`` fetches binaries with no progress output) or waits on a host (a pull,
``kubeadm init`` waiting for the apiserver) can be silent for minutes. The console says so
instead of looking frozen.
"""

from __future__ import annotations

SILENT_AFTER = 20.0  # seconds without a line from kk before the console remarks on it

WAITING_FOR: dict[str, str] = {  # stage title (kkui.core.kk.stages) -> what kk waits for
    "Starting": "kk is starting (reading the config, resolving hosts)",
    "Connect to hosts": "an SSH connection or login (a host that drops packets, or sudo "
                        "asking for a password)",
    "Pre-install scripts": "your pre-install scripts on the hosts",
    "kk precheck": "the precheck commands on the hosts",
    "Download binaries": "downloads of kubeadm, kubelet, etcd, helm and the CNI plugins "
                         "(slow or blocked github.com / storage.googleapis.com: zone cn uses "
                         "mirrors)",
    "Configure OS": "package and OS commands on the hosts",
    "Container runtime": "the container runtime being installed on the hosts",
    "Images": "image pulls on the hosts (slow registry: zone cn uses mirrors)",
    "etcd": "etcd to start and become healthy on the etcd hosts",
    "Kubernetes binaries": "binaries being copied to the hosts",
    "Init control plane": "kubeadm init: the first apiserver to come up",
    "Join nodes": "kubeadm join on the other nodes",
    "Network plugin": "the network plugin's pods",
    "Configure cluster": "cluster configuration commands",
    "Plugins and add-ons": "add-ons being deployed",
}


def silence_note(seconds: float, stage_title: str) -> str:
    """``no output from kk for 45 s — probably waiting for …`` ("" while under the limit)."""
    if seconds < SILENT_AFTER:
        return ""
    waiting = WAITING_FOR.get(stage_title, "the current task")
    return f"no output from kk for {int(seconds)} s — probably waiting for {waiting}"
