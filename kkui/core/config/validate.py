"""Validation: every problem of a config, each with its field path and how to fix it."""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kkui.core.config import kk_decode, schema
from kkui.core.config.build import as_list, as_mapping, as_str
from kkui.core.config.hostfields import address_error, name_error, valid_ip
from kkui.core.config.inputs import input_problems
from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel
from kkui.core.config.problem import Problem, Problems, Severity, has_errors  # noqa: F401 (re-exported)
from kkui.core.config.ranges import expand
from kkui.core.config.versions import is_supported, nearest_supported, parse_version
from kkui.core.lb.validate import validate_lb
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config.document import ClusterDocument

KKUI_PREFIX = "kkui:"  # paths inside kkui's own document start with this
CONTAINER_MANAGERS = ("docker", "containerd", "crio", "isula")
NETWORK_PLUGINS = ("calico", "flannel", "cilium", "kubeovn", "hybridnet", "none")
KNOWN_GROUPS = ("etcd", "control-plane", "master", "worker", "registry")


def validate_document(doc: ClusterDocument) -> list[Problem]:
    problems = Problems()
    cluster = doc.cluster
    spec = cluster.get("spec")
    if not isinstance(spec, Mapping):
        problems.error("spec", L_("the Cluster document has no `spec:` mapping; check its "
                                  "indentation (spec must start at column 0); without it kk "
                                  "stops: \"The number of master/control-plane cannot be 0\""))
    decoded = Problems()  # Go types and keys, as kk's loader reads them: kk meets these first
    kk_decode.check_cluster(cluster, decoded)
    kk_decode.check_kubesphere_documents(doc.documents, decoded)
    model = doc.model()
    raw_hosts = as_list(as_mapping(spec).get("hosts"))
    if spec is not None and not isinstance(as_mapping(spec).get("hosts"), list):
        problems.error("spec.hosts", L_("no host list (kk stops: no control-plane node): add "
                                        "hosts as `- {name: node1, address: ...}`"))
    check_hosts(raw_hosts, "spec.hosts", problems)
    check_roles(as_mapping(as_mapping(spec).get("roleGroups")), model, problems)
    check_roleless_hosts(as_mapping(as_mapping(spec).get("roleGroups")), raw_hosts, problems)
    cpe_raw = as_mapping(as_mapping(spec).get("controlPlaneEndpoint"))
    check_endpoint(model, problems, external_dns=cpe_raw.get("externalDNS") is True)
    check_network(model, problems)
    check_kubernetes(model, problems)
    check_etcd(as_mapping(as_mapping(spec).get("etcd")), model, problems)
    kkui = doc.kkui
    if kkui is not None:
        unknown_keys(kkui, schema.KKUI_SCHEMA, KKUI_PREFIX, problems)
        check_kkui(kkui, model, problems)
    hostile = input_problems(doc)  # non-scalars, metadata.name (hostile inputs)
    for extra in extra_validators():
        problems.extend(extra(model))
    # errors first (what blocks kk), in document order within each severity
    found = first_errors_per_field(decoded, hostile, problems)
    return sorted(found, key=lambda p: p.severity != "error")


def first_errors_per_field(*groups: list[Problem]) -> list[Problem]:
    """Drop an error when an earlier group already has one for the same field: once kk stops
    at ``port: "6443"`` (a type error), a rule about the port's value is moot."""
    taken: set[str] = set()
    out: list[Problem] = []
    for group in groups:
        out += [p for p in group if p.severity != "error" or p.path not in taken]
        taken |= {p.path for p in group if p.severity == "error"}
    return out


def extra_validators() -> list[Callable[[ClusterModel], list[Problem]]]:
    """Validators contributed by other parts of the core (the load-balancer pair). A plain
    import: ``Problem`` lives in the leaf module ``problem``, so there is no cycle to dodge and
    a broken LB module fails loudly instead of silently skipping its rules."""
    return [validate_lb]


# --------------------------------------------------------------------- hosts
def check_hosts(raw_hosts: list[Any], base: str, problems: Problems) -> None:
    names: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for index, row in enumerate(raw_hosts):
        path = f"{base}[{index}]"
        if not isinstance(row, Mapping):
            problems.error(path, L_("a host row must be a mapping like "
                                    "{name: node1, address: ...}"))
            continue
        name = as_str(row.get("name"))
        label = f" ({name})" if name else ""
        if not name:
            problems.error(f"{path}.name", L_("missing host name"))
        elif name_error(name):
            problems.error(f"{path}.name", L_(
                "{name} is not a valid node name (Kubernetes rejects it, so the node cannot "
                "join): use lowercase letters, digits and '-' (RFC 1123), e.g. {suggestion}",
                name=repr(name), suggestion=repr(suggest_hostname(name))))
        if name and name in names:
            problems.error(f"{path}.name", L_(
                "duplicate host name {name} (also {other}): kk keeps only the last row of a "
                "name, so a node is lost; rename one", name=repr(name), other=names[name]))
        names.setdefault(name, path)
        address = as_str(row.get("address"))
        internal = as_str(row.get("internalAddress"))
        # kk fills each of address/internalAddress from the other when one is empty
        # (cmd/kk/apis/kubekey/v1alpha2/default.go, SetDefaultHostsCfg)
        if not address and not internal:
            problems.error(f"{path}.address", L_(
                "host{label} has no address: kk cannot connect to it; add "
                "`address: <IP or DNS name>`", label=label))
        elif not address:
            pass
        elif address_error(address):
            problems.error(f"{path}.address", L_(
                "{address}{label} is not an IP address or a DNS name: kk cannot connect to it",
                address=repr(address), label=label))
        elif not valid_ip(address) and not internal:
            problems.error(f"{path}.address", L_(
                "{address}{label} is a DNS name and the host has no internalAddress: kk then "
                "uses the name as the internal address, and etcd, kubelet and the certificates "
                "need an IP; add `internalAddress: <the host's IP>`",
                address=repr(address), label=label))
        elif address in addresses:
            problems.error(f"{path}.address", L_(
                "address {address}{label} is already used by {other}: kk would set up one "
                "machine as two nodes", address=address, label=label, other=addresses[address]))
        else:
            addresses[address] = f"{path}{label}"
        for part in [p.strip() for p in internal.split(",")] if internal else []:
            if not valid_ip(part):
                problems.error(f"{path}.internalAddress", L_(
                    "{address}{label} is not an IPv4 or IPv6 address (a dual-stack value is "
                    "\"v4,v6\"); kubelet and etcd would be set up with it",
                    address=repr(part), label=label))
        if internal and internal != address and internal in addresses:
            problems.error(f"{path}.internalAddress", L_(
                "internal address {address}{label} is already used by {other}: two nodes with "
                "one address", address=internal, label=label, other=addresses[internal]))
        port = row.get("port")  # a quoted port is a type error (kk_decode)
        if isinstance(port, int) and not isinstance(port, bool) and not 1 <= port <= 65535:
            problems.error(f"{path}.port", L_(
                "SSH port {port}{label} must be a number from 1 to 65535 (kk cannot connect)",
                port=repr(port), label=label))
        arch = row.get("arch")
        if arch is not None and arch not in ("amd64", "arm64"):
            problems.error(f"{path}.arch", L_(
                "arch {arch}{label} must be amd64 or arm64 (kk stops with \"Unsupported "
                "architecture\"; it never detects the arch: arm64 hosts need `arch: arm64`)",
                arch=repr(arch), label=label))
        if row.get("password"):
            problems.warning(f"{path}.password", L_(
                "host{label} has its SSH password in the file; prefer key auth: "
                "`privateKeyPath: ~/.ssh/id_ed25519`", label=label))
        elif "password" in row and not any(row.get(k) for k in ("privateKey", "privateKeyPath")):
            problems.warning(f"{path}.password", L_(
                "host{label} has an empty password, so kk falls back to the key ~/.ssh/id_rsa; "
                "quote a password that starts with & or * (YAML reads those as anchors), or set "
                "privateKeyPath", label=label))


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
            close = difflib.get_close_matches(key, KNOWN_GROUPS, n=1, cutoff=0.75)
            hint = L_(": did you mean `{key}`?", key=close[0]) if close else ""
            problems.warning(path, L_(
                "kk ignores the role group `{group}`{hint} (known: {known}; kk still checks that "
                "its members are hosts)", group=key, hint=hint, known=", ".join(KNOWN_GROUPS)))
        if members is not None and not isinstance(members, list):
            continue  # kk_decode: map[string][]string, kk stops at the unmarshal
        for index, entry in enumerate(as_list(members)):
            # kk stops at the first such name (cluster_types.go:274-285, hostVerify)
            missing = [name for name in expand(as_str(entry)) if name not in host_names]
            if len(missing) == 1:
                problems.error(f"{path}[{index}]", L_(
                    "{name} is in the {group} group but not in spec.hosts: add the host or "
                    "remove it from the group (kk stops with the same error)",
                    name=missing[0], group=key))
            elif missing:
                listed = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
                problems.error(f"{path}[{index}]", L_(
                    "{entry} names {count} hosts that are not in spec.hosts ({names}): add them "
                    "or narrow the range (kk stops at the first one)",
                    entry=entry, count=len(missing), names=listed))
    if not model.role_groups.get(ROLE_CONTROL_PLANE):
        problems.error("spec.roleGroups.control-plane", L_(
            "no control-plane node: kk stops (\"The number of master/control-plane cannot be "
            "0\"); add `control-plane: [node1]`"))
    etcd = model.role_groups.get(ROLE_ETCD, ())
    if model.etcd_type == "kubekey" and not etcd:
        problems.error("spec.roleGroups.etcd", L_(
            "no etcd node while etcd.type is kubekey: kk stops (\"The number of etcd cannot be "
            "0\"); add etcd members (usually the control-plane nodes)"))
    if etcd and len(etcd) % 2 == 0:
        tolerated = (len(etcd) - 1) // 2
        problems.warning("spec.roleGroups.etcd", L_(
            "{count} etcd members: etcd needs a majority, so {count} tolerate only {tolerated} "
            "failure(s), the same as {fewer}; use an odd count (1, 3 or 5)",
            count=len(etcd), tolerated=tolerated, fewer=len(etcd) - 1))


def check_roleless_hosts(groups: Mapping[str, Any], raw_hosts: list[Any],
                         problems: Problems) -> None:
    """A host in no role group is dropped by kk: its runtime host list is built from the role
    groups only (cmd/kk/pkg/common/kube_runtime.go:78-90), so kk never connects to it and
    installs nothing on it, while the host row still feeds the binary download's arch list
    (pkg/binaries/tasks.go:46) and the etcd certificates' names (pkg/etcd/certs.go:204)."""
    grouped = {name for members in groups.values() if isinstance(members, list)
               for entry in members for name in expand(as_str(entry))}
    for index, row in enumerate(raw_hosts):
        name = as_str(row.get("name")) if isinstance(row, Mapping) else ""
        if name and name not in grouped:
            problems.warning(f"spec.hosts[{index}]", L_(
                "{name} is in no role group: kk never connects to it and installs nothing on "
                "it; add it to a role (e.g. `worker: [..., {name}]`) or remove the host",
                name=name))


# ------------------------------------------------------------------ endpoint
def check_endpoint(model: ClusterModel, problems: Problems, *, external_dns: bool = False) -> None:
    cpe = model.control_plane_endpoint
    path = "spec.controlPlaneEndpoint"
    control_planes = model.control_plane_hosts
    if cpe.internal_loadbalancer not in ("", "haproxy", "kube-vip"):
        # kk compares with "haproxy"/"kube-vip" exactly (cluster_types.go:324-330): anything
        # else silently means "no internal load balancer"
        problems.warning(f"{path}.internalLoadbalancer", L_(
            "kk does not know {value} and installs no internal load balancer (it accepts "
            "exactly haproxy or kube-vip): fix the spelling or remove the key",
            value=repr(cpe.internal_loadbalancer)))
    if not 1 <= cpe.port <= 65535:
        problems.error(f"{path}.port", L_(
            "port {port} must be from 1 to 65535 (kubeadm fails with any other)", port=cpe.port))
    if cpe.address and not valid_ip(cpe.address):
        # bootstrap/os/templates/init_script.go:263-264: "<address>  <domain>" in /etc/hosts
        problems.error(f"{path}.address", L_(
            "{address} is not an IP address: kk writes it into /etc/hosts for the endpoint "
            "domain, so nodes cannot reach the API; use the load balancer's or VIP's IP (the "
            "name goes in `domain`)", address=repr(cpe.address)))
    no_lb = cpe.internal_loadbalancer not in ("haproxy", "kube-vip") and (
        cpe.address in ("", "127.0.0.1") and not external_dns)
    if len(control_planes) >= 2 and no_lb and not model.kkui.load_balancer.configured:
        # kk only prints a warning (default.go:197-201) and then points the endpoint at the
        # first master's internal address (default.go:209-211)
        problems.warning(f"{path}.address", L_(
            "{count} control-plane nodes but no load balancer: kk only warns and makes the "
            "first control-plane node's address the API endpoint of every node and kubeconfig, "
            "so the cluster is not highly available (it loses its API when that node is down); "
            "set `internalLoadbalancer: haproxy` (or kube-vip), an external load balancer's "
            "address, or `externalDNS: true`", count=len(control_planes)))
    if cpe.internal_loadbalancer == "haproxy" and cpe.address:
        problems.error(f"{path}.address", L_(
            "internalLoadbalancer haproxy and an address at the same time: kk prints an error "
            "and exits 0 without installing; empty the address or remove internalLoadbalancer"))
    if cpe.internal_loadbalancer == "kube-vip" and not cpe.address:
        # kk fills in the first master's address (default.go:209) and kube-vip announces it as
        # the "VIP": a broken endpoint, not a failure
        problems.error(f"{path}.address", L_(
            "kube-vip needs the virtual IP in `address` (a free address in the control-plane "
            "subnet); without it kk uses the first control-plane node's own address as the VIP, "
            "which breaks failover"))
    cp_addresses = {h.address for h in control_planes} | {h.internal_ipv4 for h in control_planes}
    if len(control_planes) >= 2 and cpe.address in cp_addresses:
        problems.warning(f"{path}.address", L_(
            "{address} is a control-plane node itself, not a load balancer: the API goes down "
            "with that node; use a VIP or an external load balancer", address=cpe.address))
    # kkui's external pair (VIP = endpoint, no internalLoadbalancer): kkui.core.lb.validate


# ------------------------------------------------------------------- network
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidrs(field: str, value: str, problems: Problems) -> list[Network]:
    """``kubePodsCIDR``/``kubeServiceCIDR``: one CIDR, or "v4,v6" for dual-stack (kk splits on
    the comma, cluster_types.go:181 and :246, and passes the value to kubeadm unchanged)."""
    path = f"spec.network.{field}"
    nets: list[Network] = []
    if any(part != part.strip() for part in value.split(",")):
        problems.error(path, L_(
            "{value} has spaces: kubeadm splits it on commas only and rejects a CIDR with a "
            "space; write \"v4cidr,v6cidr\" without spaces", value=repr(value)))
    for part in value.split(","):
        try:
            net = ipaddress.ip_network(part.strip(), strict=False)
        except ValueError as exc:
            problems.error(path, L_(
                "{value} is not a valid CIDR ({reason}); e.g. 10.233.64.0/18 (dual-stack: "
                "\"10.233.64.0/18,fd85:ee78::/112\")", value=repr(part.strip()), reason=str(exc)))
            continue
        if ipaddress.ip_interface(part.strip()).ip != net.network_address:
            problems.warning(path, L_(
                "{value} has host bits set: kk and Kubernetes use the network {network}; write "
                "{network}", value=part.strip(), network=str(net)))
        nets.append(net)
    families = [n.version for n in nets]
    if len(nets) > 2 or len(set(families)) < len(families):
        problems.error(path, L_(
            "{value}: Kubernetes takes one CIDR, or two of different IP families "
            "(\"v4cidr,v6cidr\") for dual-stack", value=repr(value)))
    return nets


def check_network(model: ClusterModel, problems: Problems) -> None:
    nets = {field: parse_cidrs(field, value, problems)
            for field, value in (("kubePodsCIDR", model.pods_cidr),
                                 ("kubeServiceCIDR", model.service_cidr))}
    service = nets["kubeServiceCIDR"]
    if ":" in model.service_cidr.split(",")[0] and service and service[0].version == 6:
        # ClusterIP()/CorednsClusterIP() take the first part through IPv4-only code
        # (cluster_types.go:246, util/ip.go networkRange: To4()) and kk crashes
        problems.error("spec.network.kubeServiceCIDR", L_(
            "{value} starts with an IPv6 range: kk computes the API and DNS service addresses "
            "from the first part with IPv4-only code and crashes; put the IPv4 range first",
            value=repr(model.service_cidr)))
    for pods in nets["kubePodsCIDR"]:
        for svc in service:
            if pods.version == svc.version and pods.overlaps(svc):
                problems.error("spec.network.kubeServiceCIDR", L_(
                    "{service} overlaps the pod CIDR {pods}: kk does not check, and the "
                    "cluster's routing breaks; choose disjoint ranges (kk's defaults are "
                    "10.233.64.0/18 and 10.233.0.0/18)", service=str(svc), pods=str(pods)))
    for host in (*model.hosts, *model.kkui.load_balancer.hosts):
        for addr in {host.address, *host.internal_address.split(",")}:
            if not valid_ip(addr.strip()):
                continue
            ip = ipaddress.ip_address(addr.strip())
            for field, parts in nets.items():
                for net in parts:
                    if ip.version == net.version and ip in net:
                        problems.error(f"spec.network.{field}", L_(
                            "{network} contains the address {ip} of host {host}: traffic to "
                            "that host would be routed into the cluster; pick a range your "
                            "hosts do not use", network=str(net), ip=str(ip), host=host.name))
    if model.network_plugin not in NETWORK_PLUGINS:
        # plugins/network/modules.go:42-54: any other name deploys nothing
        problems.error("spec.network.plugin", L_(
            "unknown network plugin {plugin}: kk installs no pod network for it and the nodes "
            "stay NotReady; use one of {plugins} (none: you install one yourself)",
            plugin=repr(model.network_plugin), plugins=", ".join(NETWORK_PLUGINS)))


# ---------------------------------------------------------------------- etcd
ETCD_TYPES = ("kubekey", "kubeadm", "external")  # apis/kubekey/v1alpha2/etcd_types.go:20-22


def check_etcd(etcd: Mapping[str, Any], model: ClusterModel, problems: Problems) -> None:
    # kk switches on the exact type (pkg/kubernetes/tasks.go:228-250, pkg/etcd/module.go:69):
    # any other value gives kubeadm no etcd at all
    if model.etcd_type not in ETCD_TYPES:
        problems.error("spec.etcd.type", L_(
            "kk does not know etcd type {type} and sets up no etcd for the cluster, so kubeadm "
            "fails; use one of {types}", type=repr(model.etcd_type), types=", ".join(ETCD_TYPES)))
    elif model.etcd_type == "external" and not as_list(as_mapping(etcd.get("external"))
                                                      .get("endpoints")):
        problems.error("spec.etcd.external.endpoints", L_(
            "etcd type external without endpoints: kubeadm gets no etcd to use; list them, e.g. "
            "`endpoints: [https://10.0.0.5:2379]`"))


# ---------------------------------------------------------------- kubernetes
# pkg/common/loader.go:42 and :298-307: what kk accepts as a version, "v" added when missing
KK_VERSION_RE = re.compile(r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
                           r"([-0-9a-zA-Z_.+]*)?$")


def check_kubernetes(model: ClusterModel, problems: Problems) -> None:
    written = model.kubernetes_version
    # kk normalises the version (loader.go:266), then splits "v1.28.15-k3s" into version and
    # type (default.go:304-307); an unparsable one becomes "" and so the default (default.go:131)
    version = "v" + written.lstrip("v").split("-")[0] if KK_VERSION_RE.match(written) else ""
    if not version:
        problems.warning("spec.kubernetes.version", L_(
            "kk does not read {version} as a version and silently installs its default "
            "v1.23.17 instead; write a full version such as v1.28.15", version=repr(written)))
    elif not is_supported(version):
        near = ", ".join(nearest_supported(version))
        problems.error("spec.kubernetes.version", L_(
            "kk v3.1.12 cannot install Kubernetes {version} (it stops with \"isn't "
            "supported\"); nearest supported: {nearest}", version=repr(version), nearest=near))
    manager = model.container_manager
    if manager not in CONTAINER_MANAGERS:
        # container/module.go:58: logger.Fatalf("Unsupported container runtime")
        problems.error("spec.kubernetes.containerManager", L_(
            "unknown container manager {manager}: kk stops (\"Unsupported container runtime\"); "
            "use one of {managers}", manager=repr(manager), managers=", ".join(CONTAINER_MANAGERS)))
    parsed = parse_version(version)
    if manager == "docker" and parsed and parsed >= (1, 24, 0):
        problems.warning("spec.kubernetes.containerManager", L_(
            "docker with Kubernetes {version}: kk adds cri-dockerd (dockershim was removed in "
            "v1.24); containerd is simpler", version=version))


# ------------------------------------------------------------------ kkui doc
def check_kkui(kkui: Mapping[str, Any], model: ClusterModel, problems: Problems) -> None:
    version = model.kkui.kk_version
    parsed = parse_version(version)
    if parsed is None:
        problems.error(f"{KKUI_PREFIX}spec.kk.version", L_(
            "{version} is not a kk version like v3.1.12", version=repr(version)))
    elif parsed[0] != 3:
        problems.error(f"{KKUI_PREFIX}spec.kk.version", L_(
            "kk {version}: kkui drives kk v3 (v3.1.x) and its Cluster config; kk v4 uses a "
            "different format (Inventory + Config). Use v3.1.12.", version=version))
    if model.kkui.zone not in ("cn", "global"):
        problems.error(f"{KKUI_PREFIX}spec.kk.zone", L_(
            "zone {zone} must be cn (China mirrors, KKZONE=cn) or global",
            zone=repr(model.kkui.zone)))
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
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
        case_match = [k for k in known if k.lower() == key.lower()]
        elsewhere = _schema_paths(root).get(key)
        hint: str = ""
        if case_match:
            hint = L_(": did you mean `{key}`? (keys are case-sensitive)", key=case_match[0])
        elif elsewhere:
            hint = L_(": `{key}` belongs at `{path}`; check the indentation", key=key,
                      path=elsewhere[0])
        elif close:
            hint = L_(": did you mean `{key}`?", key=close[0])
        problems.warning(f"{prefix}{here}", L_("{tool} ignores the unknown key `{key}`{hint}",
                                               tool="kkui" if prefix else "kk", key=key,
                                               hint=hint))
