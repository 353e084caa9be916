"""Which screen edits the field named by a validation problem's path."""

from __future__ import annotations

import re

_HOST_ROW = re.compile(r"^spec\.hosts\[(\d+)\](?:\.(\w+))?$")
_LB_HOST_ROW = re.compile(r"^kkui:spec\.loadBalancer\.hosts\[(\d+)\](?:\.(\w+))?$")


def target_of(path: str) -> str:
    """The mode (screen) name for a problem path such as ``spec.hosts[2].address``."""
    if path.startswith("spec.hosts"):
        return "hosts"
    if path.startswith("spec.roleGroups"):
        return "roles"
    return "cluster" if path.startswith(("spec.", "kkui:", "metadata.")) else "review"


def host_row(path: str) -> tuple[int, str] | None:
    """``spec.hosts[2].address`` -> (2, "address")."""
    match = _HOST_ROW.match(path)
    return (int(match[1]), match[2] or "") if match else None


def lb_host_row(path: str) -> tuple[int, str] | None:
    match = _LB_HOST_ROW.match(path)
    return (int(match[1]), match[2] or "") if match else None


# Cluster-screen widget ids for the fields it edits (longest prefix wins).
CLUSTER_FIELDS: dict[str, str] = {
    "metadata.name": "cluster-name",
    "spec.kubernetes.version": "k8s-version",
    "spec.kubernetes.containerManager": "container-manager",
    "spec.kubernetes": "k8s-version",
    "spec.network.plugin": "network-plugin",
    "spec.network.kubePodsCIDR": "pods-cidr",
    "spec.network.kubeServiceCIDR": "service-cidr",
    "spec.network": "pods-cidr",
    "spec.controlPlaneEndpoint.address": "endpoint-address",
    "spec.controlPlaneEndpoint.port": "endpoint-port",
    "spec.controlPlaneEndpoint": "endpoint-mode",
    "kkui:spec.loadBalancer.vip": "endpoint-address",
    "kkui:spec.loadBalancer.port": "endpoint-port",
    "kkui:spec.loadBalancer.interface": "lb-interface",
    "kkui:spec.loadBalancer.hosts": "lb-hosts",
    "kkui:spec.loadBalancer": "endpoint-mode",
    "kkui:spec.kk.version": "kk-version",
    "kkui:spec.kk.zone": "kk-zone",
}


def cluster_widget(path: str) -> str | None:
    for prefix in sorted(CLUSTER_FIELDS, key=len, reverse=True):
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return CLUSTER_FIELDS[prefix]
    return None
