"""Build the typed :class:`ClusterModel` from the raw round-trip documents.

Values of the wrong type are coerced to a harmless default here; ``validate`` reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kkui.core.config import model as m
from kkui.core.config.ranges import expand_all


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def as_str(value: Any, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):  # validation reports it (inputs.scalar_problems);
        return default  # str() of an aliased structure can be gigabytes
    return str(value)


def as_int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return default


def dig(root: Any, *keys: str) -> Any:
    node = root
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def build_host(raw: Mapping[str, Any]) -> m.Host:
    labels = {str(k): as_str(v) for k, v in as_mapping(raw.get("labels")).items()}
    password = raw.get("password")
    private_key = raw.get("privateKey")
    key_path = raw.get("privateKeyPath")
    return m.Host(
        name=as_str(raw.get("name")),
        address=as_str(raw.get("address")),
        internal_address=as_str(raw.get("internalAddress")),
        port=as_int(raw.get("port"), 22),
        user=as_str(raw.get("user"), "root") or "root",
        password=as_str(password) if password not in (None, "") else None,
        private_key=as_str(private_key) if private_key not in (None, "") else None,
        private_key_path=as_str(key_path) if key_path not in (None, "") else None,
        arch=as_str(raw.get("arch"), "amd64") or "amd64",
        timeout=as_int(raw.get("timeout"), 30),
        labels=labels,
    )


def role_groups(spec: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for key, members in as_mapping(spec.get("roleGroups")).items():
        role = m.ROLE_CONTROL_PLANE if key == "master" else str(key)
        names = expand_all([as_str(x) for x in as_list(members)])
        existing = list(groups.get(role, ()))
        groups[role] = tuple(dict.fromkeys(existing + names))
    return groups


def build_kkui(raw: Any) -> m.KkuiSettings:
    if raw is None:
        return m.KkuiSettings()
    spec = as_mapping(dig(raw, "spec"))
    kk = as_mapping(spec.get("kk"))
    lb = as_mapping(spec.get("loadBalancer"))
    secrets = as_mapping(lb.get("secrets"))
    pair = m.LoadBalancerPair(
        hosts=tuple(build_host(h) for h in as_list(lb.get("hosts")) if isinstance(h, Mapping)),
        vip=as_str(lb.get("vip")),
        prefix=as_int(lb.get("prefix"), 24),
        port=as_int(lb.get("port"), 6443),
        interface=as_str(lb.get("interface"), "eth0") or "eth0",
        router_id=as_int(lb.get("virtualRouterId"), 51),
        secrets=m.LbSecrets(auth_pass=as_str(secrets.get("authPass")),
                            stats_password=as_str(secrets.get("statsPassword"))),
    )
    return m.KkuiSettings(
        kk_version=as_str(kk.get("version"), m.DEFAULT_KK_VERSION) or m.DEFAULT_KK_VERSION,
        zone=as_str(kk.get("zone"), "global") or "global",
        load_balancer=pair,
        present=True,
    )


def build_model(cluster: Any, kkui: Any) -> m.ClusterModel:
    spec = as_mapping(dig(cluster, "spec"))
    cpe = as_mapping(spec.get("controlPlaneEndpoint"))
    k8s = as_mapping(spec.get("kubernetes"))
    network = as_mapping(spec.get("network"))
    version = as_str(k8s.get("version"), m.DEFAULT_K8S_VERSION) or m.DEFAULT_K8S_VERSION
    return m.ClusterModel(
        api_version=as_str(dig(cluster, "apiVersion")),
        name=as_str(dig(cluster, "metadata", "name")),
        hosts=tuple(build_host(h) for h in as_list(spec.get("hosts")) if isinstance(h, Mapping)),
        role_groups=role_groups(spec),
        control_plane_endpoint=m.ControlPlaneEndpoint(
            internal_loadbalancer=as_str(cpe.get("internalLoadbalancer")),
            domain=as_str(cpe.get("domain"), "lb.kubesphere.local"),
            address=as_str(cpe.get("address")),
            port=as_int(cpe.get("port"), 6443),
        ),
        kubernetes_version=version,
        cluster_name=as_str(k8s.get("clusterName"), "cluster.local"),
        container_manager=as_str(k8s.get("containerManager"), default_container_manager(version)),
        proxy_mode=as_str(k8s.get("proxyMode"), "ipvs"),
        network_plugin=as_str(network.get("plugin"), "calico"),
        pods_cidr=as_str(network.get("kubePodsCIDR"), "10.233.64.0/18"),
        service_cidr=as_str(network.get("kubeServiceCIDR"), "10.233.0.0/18"),
        etcd_type=as_str(dig(spec, "etcd", "type"), "kubekey") or "kubekey",
        skip_configure_os=dig(spec, "system", "skipConfigureOS") is True,
        kkui=build_kkui(kkui),
    )


def default_container_manager(version: str) -> str:
    """kk's default: docker below Kubernetes v1.24.0, containerd from v1.24.0 (KUBEKEY.md)."""
    from kkui.core.config.versions import parse_version

    parsed = parse_version(version)
    return "containerd" if parsed and parsed >= (1, 24, 0) else "docker"
