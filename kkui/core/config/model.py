"""Typed, read-only view of a KubeKey config, rebuilt from the round-trip document.

Nothing here is ever written to disk: edits go through ``ClusterDocument`` and a fresh
``ClusterModel`` is built from it afterwards.  Secrets are excluded from ``repr`` so that
a model that ends up in a traceback or a log line never shows a password or a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kkui.core.config.roles import ROLE_CONTROL_PLANE, ROLE_ETCD, ROLE_WORKER, ROLES

__all__ = ["ROLES", "ROLE_CONTROL_PLANE", "ROLE_ETCD", "ROLE_WORKER"]  # re-exported names

LbMode = Literal["none", "haproxy", "kube-vip", "external"]

DEFAULT_KK_VERSION = "v3.1.12"
DEFAULT_K8S_VERSION = "v1.23.17"


@dataclass(frozen=True)
class Host:
    """One row of ``spec.hosts`` (or of kkui's load-balancer hosts), with kk's defaults applied."""

    name: str
    address: str
    internal_address: str = ""
    port: int = 22
    user: str = "root"
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    private_key_path: str | None = None
    arch: str = "amd64"
    timeout: int = 30
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def internal_ipv4(self) -> str:
        """The first of ``internalAddress`` (it may be ``"v4,v6"``), else ``address``."""
        first = self.internal_address.split(",")[0].strip()
        return first or self.address

    @property
    def auth_label(self) -> str:
        """How kkui will authenticate, without revealing the secret."""
        if self.private_key:
            return "key (inline)"
        if self.private_key_path:
            return "key"
        if self.password:
            return "password ••••"
        return "key (~/.ssh/id_rsa)"


@dataclass(frozen=True)
class ControlPlaneEndpoint:
    internal_loadbalancer: str = ""  # "", "haproxy" or "kube-vip"
    domain: str = "lb.kubesphere.local"
    address: str = ""
    port: int = 6443


@dataclass(frozen=True)
class LbSecrets:
    """Generated once by kkui, stored in kkui's document, never printed."""

    auth_pass: str = field(default="", repr=False)
    stats_password: str = field(default="", repr=False)


@dataclass(frozen=True)
class LoadBalancerPair:
    """The external HAProxy + Keepalived pair of the reference topology."""

    hosts: tuple[Host, ...] = ()
    vip: str = ""
    prefix: int = 24
    port: int = 6443
    interface: str = "eth0"
    router_id: int = 51
    secrets: LbSecrets = field(default_factory=LbSecrets)

    @property
    def configured(self) -> bool:
        return bool(self.hosts or self.vip)


@dataclass(frozen=True)
class KkuiSettings:
    """kkui's own document (``apiVersion: kkui/v1alpha1``, ``kind: KkuiSettings``)."""

    kk_version: str = DEFAULT_KK_VERSION
    zone: str = "global"  # "cn" or "global"
    load_balancer: LoadBalancerPair = field(default_factory=LoadBalancerPair)
    present: bool = False  # whether the file has a kkui document at all


@dataclass(frozen=True)
class ClusterModel:
    api_version: str
    name: str
    hosts: tuple[Host, ...]
    # Expanded member names per group, ``master`` folded into ``control-plane``.
    role_groups: dict[str, tuple[str, ...]] = field(hash=False)
    control_plane_endpoint: ControlPlaneEndpoint
    kubernetes_version: str = DEFAULT_K8S_VERSION
    cluster_name: str = "cluster.local"
    container_manager: str = "docker"
    proxy_mode: str = "ipvs"
    network_plugin: str = "calico"
    pods_cidr: str = "10.233.64.0/18"
    service_cidr: str = "10.233.0.0/18"
    etcd_type: str = "kubekey"
    skip_configure_os: bool = False
    kkui: KkuiSettings = field(default_factory=KkuiSettings)

    def host(self, name: str) -> Host | None:
        return next((h for h in self.hosts if h.name == name), None)

    def roles_of(self, name: str) -> tuple[str, ...]:
        return tuple(r for r in ROLES if name in self.role_groups.get(r, ()))

    def members(self, role: str) -> tuple[Host, ...]:
        names = self.role_groups.get(role, ())
        return tuple(h for h in self.hosts if h.name in names)

    @property
    def control_plane_hosts(self) -> tuple[Host, ...]:
        return self.members(ROLE_CONTROL_PLANE)

    @property
    def etcd_hosts(self) -> tuple[Host, ...]:
        return self.members(ROLE_ETCD)

    @property
    def worker_hosts(self) -> tuple[Host, ...]:
        return self.members(ROLE_WORKER)

    @property
    def lb_mode(self) -> LbMode:
        """Which control-plane endpoint design the config describes."""
        ilb = self.control_plane_endpoint.internal_loadbalancer
        if ilb in ("haproxy", "kube-vip"):
            return ilb  # type: ignore[return-value]
        if self.kkui.load_balancer.configured:
            return "external"
        return "none"
