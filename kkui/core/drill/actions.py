"""What a drill does to a host, and how that is undone: shell commands, built once, as root.

``stop`` mode stops the node's own services the way an operator would test a failure:
a control-plane node loses its kube-apiserver (kubelet stopped first so that it does not
restart the static pod, then the container stopped with crictl), its etcd member (only when the
host is in the etcd group) and its kubelet; a worker loses its kubelet (the node goes NotReady
after the node controller's grace period, 40 s by default).  ``isolate`` mode leaves every
service running and drops the cluster's traffic to and from the host with iptables rules tagged
``kkui-drill`` (SSH stays open so the drill can always restore).  The restore of each action is
written to the host before the failure (see :mod:`kkui.core.drill.guard`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kkui.i18n import L_

Mode = Literal["stop", "isolate"]
MODES: tuple[Mode, ...] = ("stop", "isolate")
TAG = "kkui-drill"
# kube-apiserver, etcd client/peer, kubelet, kube-proxy health: what a node needs to take part
CLUSTER_PORTS = "6443,2379,2380,10250"


@dataclass(frozen=True)
class HostAction:
    host: str
    role: str                 # "master", "worker" or "lb"
    description: str          # for the plan and the timeline (an L_ message, English in JSON)
    break_script: str
    restore_script: str


def _apiserver_stop() -> str:
    # kubelet is stopped first: it would restart the static pod otherwise
    return ("ids=$(crictl ps -q --name kube-apiserver 2>/dev/null); "
            '[ -z "$ids" ] || crictl stop $ids >/dev/null')


def master_action(host: str, *, etcd: bool, mode: Mode) -> HostAction:
    if mode == "isolate":
        return _isolate(host, "master", L_("drop its cluster traffic (6443, 2379, 2380, 10250)"))
    stop = ["systemctl stop kubelet", _apiserver_stop()]
    start = []
    if etcd:
        stop.append("systemctl stop etcd")
        start.append("systemctl start etcd")
    start.append("systemctl start kubelet")   # kubelet starts the kube-apiserver static pod
    what = L_("stop kubelet, kube-apiserver, etcd") if etcd else \
        L_("stop kubelet, kube-apiserver")
    return HostAction(host, "master", what, "\n".join(stop) + "\n", "\n".join(start) + "\n")


def worker_action(host: str, *, mode: Mode) -> HostAction:
    if mode == "isolate":
        return _isolate(host, "worker", L_("drop its cluster traffic (6443, 10250)"))
    return HostAction(host, "worker", L_("stop kubelet"), "systemctl stop kubelet\n",
                      "systemctl start kubelet\n")


def lb_action(host: str) -> HostAction:
    return HostAction(host, "lb", L_("stop keepalived and haproxy (the VIP moves to the peer)"),
                      "systemctl stop keepalived\nsystemctl stop haproxy\n",
                      "systemctl start haproxy\nsystemctl start keepalived\n")


def _isolate(host: str, role: str, what: str) -> HostAction:
    rule_in = (f"INPUT -p tcp -m multiport --dports {CLUSTER_PORTS} "
               f"-m comment --comment {TAG} -j DROP")
    rule_out = (f"OUTPUT -p tcp -m multiport --dports {CLUSTER_PORTS} "
                f"-m comment --comment {TAG} -j DROP")
    return HostAction(
        host, role, what,
        f"iptables -I {rule_in}\niptables -I {rule_out}\n",
        # delete every copy (a repeated drill may have left more than one)
        f"while iptables -D {rule_in} 2>/dev/null; do :; done\n"
        f"while iptables -D {rule_out} 2>/dev/null; do :; done\n")
