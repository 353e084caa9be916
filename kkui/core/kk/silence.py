"""What kk is probably doing when it prints nothing for a while, per install stage.

kk v3.1.12 logs one line per task start and one per host result; a task that downloads
(kubekey's ``files.go`` fetches binaries with no progress output) or waits on a host (a pull,
``kubeadm init`` waiting for the apiserver) can be silent for minutes. The console says so
instead of looking frozen.
"""

from __future__ import annotations

from kkui.i18n import L_, N_

SILENT_AFTER = 20.0  # seconds without a line from kk before the console remarks on it

WAITING_FOR: dict[str, str] = {  # stage title (kkui.core.kk.stages) -> what kk waits for
    "Starting": N_("kk is starting (reading the config, resolving hosts)"),
    "Connect to hosts": N_("an SSH connection or login (a host that drops packets, or sudo "
                           "asking for a password)"),
    "Pre-install scripts": N_("your pre-install scripts on the hosts"),
    "kk precheck": N_("the precheck commands on the hosts"),
    "Download binaries": N_("downloads of kubeadm, kubelet, etcd, helm and the CNI plugins "
                            "(slow or blocked github.com / storage.googleapis.com: zone cn uses "
                            "mirrors)"),
    "Configure OS": N_("package and OS commands on the hosts"),
    "Container runtime": N_("the container runtime being installed on the hosts"),
    "Images": N_("image pulls on the hosts (slow registry: zone cn uses mirrors)"),
    "etcd": N_("etcd to start and become healthy on the etcd hosts"),
    "Kubernetes binaries": N_("binaries being copied to the hosts"),
    "Init control plane": N_("kubeadm init: the first apiserver to come up"),
    "Join nodes": N_("kubeadm join on the other nodes"),
    "Network plugin": N_("the network plugin's pods"),
    "Configure cluster": N_("cluster configuration commands"),
    "Plugins and add-ons": N_("add-ons being deployed"),
}


def silence_note(seconds: float, stage_title: str) -> str:
    """``no output from kk for 45 s — probably waiting for …`` ("" while under the limit)."""
    if seconds < SILENT_AFTER:
        return ""
    waiting = WAITING_FOR.get(stage_title, N_("the current task"))
    return L_("no output from kk for {seconds} s — probably waiting for {waiting}",
              seconds=int(seconds), waiting=L_(waiting))
