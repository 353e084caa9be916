"""What would make the LB pair fail, found before anything is rendered or deployed.

Every message names the field and says how to fix it.  Paths into kkui's own document start
with ``kkui:spec.loadBalancer`` (kkui's document); paths into kk's Cluster start with ``spec.``.
"""

from __future__ import annotations

import ipaddress
import re

from kkui.core.config.model import ClusterModel, Host
from kkui.core.config.problem import Problem
from kkui.core.lb.render import APISERVER_PORT, AUTH_PASS_LEN
from kkui.i18n import L_

LB = "kkui:spec.loadBalancer"
CPE = "spec.controlPlaneEndpoint"
_IFACE = re.compile(r"^[A-Za-z0-9_.@:-]{1,15}$")
_SECRET = re.compile(r"^[A-Za-z0-9]+$")
_SERVER_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")


def _error(path: str, message: str) -> Problem:
    return Problem(path=path, severity="error", message=message)


def _warning(path: str, message: str) -> Problem:
    return Problem(path=path, severity="warning", message=message)


def validate_lb(model: ClusterModel) -> list[Problem]:
    """All problems of the external LB pair; an empty list when it is not configured at all."""
    lb = model.kkui.load_balancer
    if not lb.configured:
        return []
    problems: list[Problem] = []
    problems += _check_hosts(model)
    problems += _check_vip(model)
    problems += _check_scalars(model)
    problems += _check_port_clash(model)
    problems += _check_endpoint(model)
    problems += _check_secrets(model)
    return problems


def _check_hosts(model: ClusterModel) -> list[Problem]:
    lb = model.kkui.load_balancer
    out: list[Problem] = []
    if len(lb.hosts) < 2:
        out.append(_error(f"{LB}.hosts", L_("{count} load-balancer host(s): VRRP needs at "
                                            "least two so that losing one keeps the VIP up — "
                                            "add a second host under loadBalancer.hosts",
                                            count=len(lb.hosts))))
    seen_names: set[str] = set()
    seen_addrs: dict[str, str] = {}
    for i, h in enumerate(lb.hosts):
        path = f"{LB}.hosts[{i}]"
        if h.name in seen_names:
            out.append(_error(f"{path}.name", L_("load-balancer host name {name} is used "
                                                 "twice — give each LB host its own name",
                                                 name=repr(h.name))))
        seen_names.add(h.name)
        try:
            ipaddress.IPv4Address(h.internal_ipv4)
        except ValueError:
            out.append(_error(f"{path}.internalAddress", L_(
                "{host}: {address} is not an IPv4 address — VRRP unicast needs the LB's IPv4 "
                "address", host=h.name, address=repr(h.internal_ipv4))))
            continue
        if h.internal_ipv4 in seen_addrs:
            out.append(_error(f"{path}.internalAddress", L_(
                "{host} and {other} both have {address} — each LB host needs its own address",
                host=h.name, other=seen_addrs[h.internal_ipv4], address=h.internal_ipv4)))
        seen_addrs[h.internal_ipv4] = h.name
    if not model.control_plane_hosts:
        out.append(_error("spec.roleGroups.control-plane", L_(
            "no control-plane hosts: the HAProxy backend would be empty — add the masters to "
            "spec.roleGroups.control-plane")))
    for h in model.control_plane_hosts:
        if not _SERVER_NAME.match(h.name):
            out.append(_error("spec.hosts", L_(
                "control-plane host name {name} cannot name an HAProxy server — use letters, "
                "digits, '-', '_' and '.'", name=repr(h.name))))
    return out


def _check_vip(model: ClusterModel) -> list[Problem]:
    lb = model.kkui.load_balancer
    path = f"{LB}.vip"
    if not lb.vip:
        return [_error(path, L_("no VIP: set loadBalancer.vip to a free address in the LB "
                                "hosts' subnet (the address clients use for the API)"))]
    try:
        vip = ipaddress.IPv4Address(lb.vip)
    except ValueError:
        return [_error(path, L_("{vip} is not an IPv4 address — set loadBalancer.vip to a "
                                "free IPv4 address in the LB hosts' subnet",
                                vip=repr(lb.vip)))]
    if not 1 <= lb.prefix <= 32:
        return [_error(f"{LB}.prefix", L_("prefix {prefix} is not 1–32 — use the LB subnet's "
                                          "prefix length, e.g. 24", prefix=lb.prefix))]
    out: list[Problem] = []
    for h in lb.hosts:
        try:
            net = ipaddress.IPv4Network(f"{h.internal_ipv4}/{lb.prefix}", strict=False)
        except ValueError:
            continue  # reported by _check_hosts
        if vip not in net:
            out.append(_error(path, L_("VIP {vip} is outside {host}'s subnet {net} — pick a "
                                       "free address in {net} or fix loadBalancer.prefix",
                                       vip=str(vip), host=h.name, net=str(net))))
        elif net.prefixlen < 31 and vip in (net.network_address, net.broadcast_address):
            out.append(_error(path, L_("VIP {vip} is the network or broadcast address of "
                                       "{net} — pick a host address", vip=str(vip),
                                       net=str(net))))
    owners = {h.name for h in (*lb.hosts, *model.hosts) if lb.vip in (h.address, h.internal_ipv4)}
    out += [_error(path, L_("VIP {vip} is {host}'s own address — the VIP must be a free "
                            "address that only keepalived assigns", vip=str(vip), host=name))
            for name in sorted(owners)]
    return out


def _check_scalars(model: ClusterModel) -> list[Problem]:
    lb = model.kkui.load_balancer
    out: list[Problem] = []
    if not 1 <= lb.router_id <= 255:
        out.append(_error(f"{LB}.virtualRouterId", L_(
            "virtual router id {id} is not 1–255 — pick one no other VRRP group on this LAN "
            "uses, e.g. 51", id=lb.router_id)))
    if not 1 <= lb.port <= 65535:
        out.append(_error(f"{LB}.port", L_("port {port} is not 1–65535 — use 6443",
                                           port=lb.port)))
    if not _IFACE.match(lb.interface):
        out.append(_error(f"{LB}.interface", L_(
            "{interface} is not a network interface name — use the LB hosts' NIC on the VIP's "
            "subnet, e.g. eth0 (see `ip -br addr` on the LB)", interface=repr(lb.interface))))
    return out


def _check_port_clash(model: ClusterModel) -> list[Problem]:
    lb = model.kkui.load_balancer
    if lb.port != APISERVER_PORT:
        return []
    out: list[Problem] = []
    masters = {h.name: h for h in model.control_plane_hosts}
    by_addr = {h.internal_ipv4: h for h in model.control_plane_hosts}
    for i, h in enumerate(lb.hosts):
        clash: Host | None = masters.get(h.name) or by_addr.get(h.internal_ipv4)
        if clash is not None:
            out.append(_error(f"{LB}.hosts[{i}]", L_(
                "LB host {host} is also control-plane node {node}: HAProxy and kube-apiserver "
                "would both listen on {port} — use separate LB hosts, or set loadBalancer.port "
                "to another port (e.g. 8443)", host=h.name, node=clash.name,
                port=APISERVER_PORT)))
    return out


def _check_endpoint(model: ClusterModel) -> list[Problem]:
    lb = model.kkui.load_balancer
    cpe = model.control_plane_endpoint
    out: list[Problem] = []
    if cpe.internal_loadbalancer in ("haproxy", "kube-vip"):
        # haproxy + an address: kk prints an error and exits 0 (default.go:204-207); kube-vip
        # would announce the same VIP as keepalived (loadbalancer/tasks.go:212)
        why = (L_("kk prints an error and exits 0 without installing")
               if cpe.internal_loadbalancer == "haproxy"
               else L_("kube-vip and keepalived would both claim the VIP"))
        out.append(_error(f"{CPE}.internalLoadbalancer", L_(
            "internalLoadbalancer is {value} while the external LB pair is configured — {why}; "
            "remove internalLoadbalancer", value=repr(cpe.internal_loadbalancer), why=why)))
    if cpe.address != lb.vip:
        out.append(_error(f"{CPE}.address", L_(
            "controlPlaneEndpoint.address is {address} but the VIP is {vip} — set it to the VIP "
            "so kubeconfigs and certificates use the LB",
            address=cpe.address or L_("empty"), vip=lb.vip or L_("empty"))))
    if cpe.port != lb.port:
        out.append(_error(f"{CPE}.port", L_("controlPlaneEndpoint.port is {port} but the LB "
                                            "listens on {lb_port} — make them equal",
                                            port=cpe.port, lb_port=lb.port)))
    return out


def _check_secrets(model: ClusterModel) -> list[Problem]:
    secrets = model.kkui.load_balancer.secrets
    out: list[Problem] = []
    for key, value in (("authPass", secrets.auth_pass), ("statsPassword", secrets.stats_password)):
        path = f"{LB}.secrets.{key}"
        if value and not _SECRET.match(value):
            out.append(_error(path, L_("{key} may contain only letters and digits — delete "
                                       "it and `kkui lb render` generates a new one", key=key)))
    if len(secrets.auth_pass) > AUTH_PASS_LEN:
        out.append(_warning(f"{LB}.secrets.authPass", L_(
            "keepalived uses only the first {count} characters of authPass — the rest is "
            "ignored", count=AUTH_PASS_LEN)))
    return out
