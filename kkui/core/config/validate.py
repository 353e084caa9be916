"""Validation: every problem of a config, each with its field path and how to fix it."""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from kkui.core.config import schema
from kkui.core.config.build import as_list, as_mapping, as_str
from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel
from kkui.core.config.ranges import expand
from kkui.core.config.versions import is_supported, nearest_supported, parse_version

if TYPE_CHECKING:
    from kkui.core.config.document import ClusterDocument

Severity = Literal["error", "warning"]
KKUI_PREFIX = "kkui:"  # paths inside kkui's own document start with this
_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
HOSTNAME_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
CONTAINER_MANAGERS = ("docker", "containerd", "crio", "isula")
NETWORK_PLUGINS = ("calico", "flannel", "cilium", "kubeovn", "hybridnet", "none")
KNOWN_GROUPS = ("etcd", "control-plane", "master", "worker", "registry")


@dataclass(frozen=True)
class Problem:
    path: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class Problems(list[Problem]):
    def error(self, path: str, message: str) -> None:
        self.append(Problem(path, "error", message))

    def warning(self, path: str, message: str) -> None:
        self.append(Problem(path, "warning", message))


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def validate_document(doc: ClusterDocument) -> list[Problem]:
    problems = Problems()
    cluster = doc.cluster
    spec = cluster.get("spec")
    if not isinstance(spec, Mapping):
        problems.error("spec", "the Cluster document has no `spec:` mapping; check its "
                       "indentation (spec must start at column 0)")
    unknown_keys(cluster, schema.CLUSTER_SCHEMA, "", problems)
    model = doc.model()
    raw_hosts = as_list(as_mapping(spec).get("hosts"))
    if spec is not None and not isinstance(as_mapping(spec).get("hosts"), list):
        problems.error("spec.hosts", "no host list: add hosts as `- {name: node1, address: ...}`")
    check_hosts(raw_hosts, "spec.hosts", problems)
    check_roles(as_mapping(as_mapping(spec).get("roleGroups")), model, problems)
    check_endpoint(model, problems)
    check_network(model, problems)
    check_kubernetes(model, problems)
    kkui = doc.kkui
    if kkui is not None:
        unknown_keys(kkui, schema.KKUI_SCHEMA, KKUI_PREFIX, problems)
        check_kkui(kkui, model, problems)
    for extra in extra_validators():
        problems.extend(extra(model))
    # errors first (what blocks kk), in document order within each severity
    return sorted(problems, key=lambda p: p.severity != "error")


def extra_validators() -> list[Callable[[ClusterModel], list[Problem]]]:
    """Validators contributed by other parts of the core (the load-balancer pair)."""
    try:
        from kkui.core.lb.validate import validate_lb
    except ImportError:
        return []
    return [validate_lb]


# --------------------------------------------------------------------- hosts
def valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def check_hosts(raw_hosts: list[Any], base: str, problems: Problems) -> None:
    names: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for index, row in enumerate(raw_hosts):
        path = f"{base}[{index}]"
        if not isinstance(row, Mapping):
            problems.error(path, "a host row must be a mapping like {name: node1, address: ...}")
            continue
        name = as_str(row.get("name"))
        label = f" ({name})" if name else ""
        if not name:
            problems.error(f"{path}.name", "missing host name")
        elif not HOSTNAME_RE.match(name) or len(name) > 253:
            problems.error(f"{path}.name", f"{name!r} is not a valid node name: use lowercase "
                           "letters, digits and '-' (RFC 1123), e.g. "
                           f"{suggest_hostname(name)!r}")
        if name and name in names:
            problems.error(f"{path}.name", f"duplicate host name {name!r} (also {names[name]})")
        names.setdefault(name, path)
        address = as_str(row.get("address"))
        if not address:
            problems.error(f"{path}.address", f"host{label} has no address")
        elif not valid_ip(address):
            problems.error(f"{path}.address", f"{address!r}{label} is not an IPv4 or IPv6 "
                           "address")
        elif address in addresses:
            problems.error(f"{path}.address", f"address {address}{label} is already used by "
                           f"{addresses[address]}")
        else:
            addresses[address] = f"{path}{label}"
        internal = as_str(row.get("internalAddress"))
        for part in [p.strip() for p in internal.split(",")] if internal else []:
            if not valid_ip(part):
                problems.error(f"{path}.internalAddress", f"{part!r}{label} is not an IPv4 or "
                               "IPv6 address (a dual-stack value is \"v4,v6\")")
        if internal and internal != address and internal in addresses:
            problems.error(f"{path}.internalAddress", f"internal address {internal}{label} is "
                           f"already used by {addresses[internal]}")
        port = row.get("port")
        if port is not None and (isinstance(port, bool) or not isinstance(port, int)
                                 or not 1 <= port <= 65535):
            problems.error(f"{path}.port", f"SSH port {port!r}{label} must be a number "
                           "from 1 to 65535")
        arch = row.get("arch")
        if arch is not None and arch not in ("amd64", "arm64"):
            problems.error(f"{path}.arch", f"arch {arch!r}{label} must be amd64 or arm64 (kk "
                           "never detects it: arm64 hosts need `arch: arm64`)")
        if row.get("password"):
            problems.warning(f"{path}.password", f"host{label} has its SSH password in the file; "
                             "prefer key auth: `privateKeyPath: ~/.ssh/id_ed25519`")
        elif "password" in row and not any(row.get(k) for k in ("privateKey", "privateKeyPath")):
            problems.warning(f"{path}.password", f"host{label} has an empty password, so kk "
                             "falls back to the key ~/.ssh/id_rsa; quote a password that starts "
                             "with & or * (YAML reads those as anchors), or set privateKeyPath")


def suggest_hostname(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")
    return cleaned or "node1"


# --------------------------------------------------------------------- roles
def check_roles(groups: Mapping[str, Any], model: ClusterModel, problems: Problems) -> None:
    host_names = {h.name for h in model.hosts}
    for key, members in groups.items():
        key = str(key)
        path = f"spec.roleGroups.{key}"
        if key not in KNOWN_GROUPS:
            close = difflib.get_close_matches(key, KNOWN_GROUPS, n=1)
            hint = f" did you mean `{close[0]}`?" if close else ""
            problems.warning(path, f"kk ignores the role group `{key}`:{hint} (known: "
                             f"{', '.join(KNOWN_GROUPS)})")
        if members is not None and not isinstance(members, list):
            problems.error(path, "a role group must be a list of host names (`- node1`)")
            continue
        for index, entry in enumerate(as_list(members)):
            for name in expand(as_str(entry)):
                if name not in host_names:
                    problems.error(f"{path}[{index}]", f"{name} is in the {key} group but not in "
                                   "spec.hosts: add the host or remove it from the group "
                                   "(kk stops with the same error)")
    if not model.role_groups.get(ROLE_CONTROL_PLANE):
        problems.error("spec.roleGroups.control-plane", "no control-plane node: kk needs at "
                       "least one (add `control-plane: [node1]`)")
    etcd = model.role_groups.get(ROLE_ETCD, ())
    if model.etcd_type == "kubekey" and not etcd:
        problems.error("spec.roleGroups.etcd", "no etcd node while etcd.type is kubekey: add "
                       "etcd members (usually the control-plane nodes)")
    if etcd and len(etcd) % 2 == 0:
        tolerated = (len(etcd) - 1) // 2
        problems.warning("spec.roleGroups.etcd", f"{len(etcd)} etcd members: etcd needs a "
                         f"majority, so {len(etcd)} tolerate only {tolerated} failure(s), the "
                         f"same as {len(etcd) - 1}; use an odd count (1, 3 or 5)")


# ------------------------------------------------------------------ endpoint
def check_endpoint(model: ClusterModel, problems: Problems) -> None:
    cpe = model.control_plane_endpoint
    path = "spec.controlPlaneEndpoint"
    control_planes = model.control_plane_hosts
    if cpe.internal_loadbalancer not in ("", "haproxy", "kube-vip"):
        problems.error(f"{path}.internalLoadbalancer", f"{cpe.internal_loadbalancer!r} is not "
                       "a kk load balancer: use haproxy, kube-vip, or remove the key")
    if not 1 <= cpe.port <= 65535:
        problems.error(f"{path}.port", f"port {cpe.port} must be from 1 to 65535")
    if cpe.address and not valid_ip(cpe.address):
        problems.error(f"{path}.address", f"{cpe.address!r} is not an IP address (the load "
                       "balancer's or VIP's address)")
    if len(control_planes) >= 2 and not cpe.internal_loadbalancer and not cpe.address:
        problems.error(f"{path}.address", f"{len(control_planes)} control-plane nodes but no "
                       "load balancer: set `internalLoadbalancer: haproxy` (or kube-vip), or "
                       "the external load balancer's address (kk would only warn)")
    if cpe.internal_loadbalancer == "haproxy" and cpe.address:
        problems.error(f"{path}.address", "internalLoadbalancer haproxy and an address at the "
                       "same time: kk prints an error and exits 0 without installing; empty the "
                       "address or remove internalLoadbalancer")
    if cpe.internal_loadbalancer == "kube-vip" and not cpe.address:
        problems.error(f"{path}.address", "kube-vip needs the virtual IP in `address` (a free "
                       "address in the control-plane subnet)")
    cp_addresses = {h.address for h in control_planes} | {h.internal_ipv4 for h in control_planes}
    if len(control_planes) >= 2 and cpe.address in cp_addresses:
        problems.warning(f"{path}.address", f"{cpe.address} is a control-plane node itself, not "
                         "a load balancer: the API goes down with that node; use a VIP or an "
                         "external load balancer")
    # kkui's external pair (VIP = endpoint, no internalLoadbalancer): kkui.core.lb.validate


# ------------------------------------------------------------------- network
def check_network(model: ClusterModel, problems: Problems) -> None:
    nets = {}
    for field, value in (("kubePodsCIDR", model.pods_cidr), ("kubeServiceCIDR",
                                                              model.service_cidr)):
        try:
            nets[field] = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            problems.error(f"spec.network.{field}", f"{value!r} is not a valid CIDR ({exc}); "
                           "e.g. 10.233.64.0/18")
    if len(nets) == 2 and nets["kubePodsCIDR"].overlaps(nets["kubeServiceCIDR"]):
        problems.error("spec.network.kubeServiceCIDR", f"{model.service_cidr} overlaps the pod "
                       f"CIDR {model.pods_cidr}: choose disjoint ranges (kk's defaults are "
                       "10.233.64.0/18 and 10.233.0.0/18)")
    for host in (*model.hosts, *model.kkui.load_balancer.hosts):
        for addr in {host.address, *host.internal_address.split(",")}:
            if not valid_ip(addr.strip()):
                continue
            ip = ipaddress.ip_address(addr.strip())
            for field, net in nets.items():
                if ip.version == net.version and ip in net:
                    problems.error(f"spec.network.{field}", f"{net} contains the address {ip} of "
                                   f"host {host.name}: pick a range your hosts do not use")
    if model.network_plugin not in NETWORK_PLUGINS:
        problems.error("spec.network.plugin", f"unknown network plugin {model.network_plugin!r}:"
                       f" use one of {', '.join(NETWORK_PLUGINS)}")


# ---------------------------------------------------------------- kubernetes
def check_kubernetes(model: ClusterModel, problems: Problems) -> None:
    version = model.kubernetes_version
    if not is_supported(version):
        near = ", ".join(nearest_supported(version))
        problems.error("spec.kubernetes.version", f"kk v3.1.12 cannot install Kubernetes "
                       f"{version!r} (it stops with \"isn't supported\"); nearest supported: "
                       f"{near}")
    manager = model.container_manager
    if manager not in CONTAINER_MANAGERS:
        problems.error("spec.kubernetes.containerManager", f"unknown container manager "
                       f"{manager!r}: use one of {', '.join(CONTAINER_MANAGERS)}")
    parsed = parse_version(version)
    if manager == "docker" and parsed and parsed >= (1, 24, 0):
        problems.warning("spec.kubernetes.containerManager", f"docker with Kubernetes {version}: "
                         "kk adds cri-dockerd (dockershim was removed in v1.24); containerd is "
                         "simpler")


# ------------------------------------------------------------------ kkui doc
def check_kkui(kkui: Mapping[str, Any], model: ClusterModel, problems: Problems) -> None:
    version = model.kkui.kk_version
    parsed = parse_version(version)
    if parsed is None:
        problems.error(f"{KKUI_PREFIX}spec.kk.version", f"{version!r} is not a kk version like "
                       "v3.1.12")
    elif parsed[0] != 3:
        problems.error(f"{KKUI_PREFIX}spec.kk.version", f"kk {version}: kkui drives kk v3 "
                       "(v3.1.x) and its Cluster config; kk v4 uses a different format "
                       "(Inventory + Config). Use v3.1.12.")
    if model.kkui.zone not in ("cn", "global"):
        problems.error(f"{KKUI_PREFIX}spec.kk.zone", f"zone {model.kkui.zone!r} must be cn "
                       "(China mirrors, KKZONE=cn) or global")
    lb = as_mapping(as_mapping(kkui.get("spec")).get("loadBalancer"))
    check_hosts(as_list(lb.get("hosts")), f"{KKUI_PREFIX}spec.loadBalancer.hosts", problems)


# -------------------------------------------------------------- unknown keys
def _schema_paths(node: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Every known key name → the paths where it belongs."""
    found: dict[str, list[str]] = {}
    for key, child in node.items():
        path = f"{prefix}{key}"
        found.setdefault(key, []).append(path)
        if child:
            for sub, paths in _schema_paths(child, f"{path}.").items():
                found.setdefault(sub, []).extend(paths)
    return found


def unknown_keys(node: Any, known: Mapping[str, Any], prefix: str, problems: Problems,
                 root: Mapping[str, Any] | None = None, path: str = "") -> None:
    root = root if root is not None else known
    if not known or not isinstance(node, Mapping):
        return
    for key, value in node.items():
        key = str(key)
        here = f"{path}.{key}" if path else key
        if key in known:
            child_schema = known[key]
            if isinstance(value, list):
                for index, item in enumerate(value):
                    unknown_keys(item, child_schema, prefix, problems, root, f"{here}[{index}]")
            else:
                unknown_keys(value, child_schema, prefix, problems, root, here)
            continue
        message = f"kk ignores the unknown key `{key}`"
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
        case_match = [k for k in known if k.lower() == key.lower()]
        elsewhere = _schema_paths(root).get(key)
        if case_match:
            message += f": did you mean `{case_match[0]}`? (keys are case-sensitive)"
        elif elsewhere:
            message += f": `{key}` belongs at `{elsewhere[0]}`; check the indentation"
        elif close:
            message += f": did you mean `{close[0]}`?"
        problems.warning(f"{prefix}{here}", message)
