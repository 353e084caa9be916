"""Model → ``haproxy.cfg`` and ``keepalived.conf`` text for each LB host (pure, deterministic).

The same input always gives byte-identical output: no timestamps, hosts in document order,
secrets read from kkui's document (``kkui.core.lb.secrets`` generates them once).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from kkui.core.config.model import ClusterModel, Host, LoadBalancerPair
from kkui.core.errors import KkuiError
from kkui.i18n import L_

APISERVER_PORT = 6443  # kube-apiserver's bind port on every control-plane node (kubeadm default)
STATS_PAGE_PORT = 8404  # HAProxy's conventional stats port, bound to the LB's own address
STATS_CLI_PORT = 8405  # read-only runtime API on 127.0.0.1 (`lb status` reads it over SSH)
STATS_USER = "kkui"
# /var/lib/haproxy exists on every distro (it is the chroot); /run/haproxy is Debian-only.
STATS_SOCKET = "/var/lib/haproxy/admin.sock"
BACKEND = "kube-apiserver"
VRRP_INSTANCE = "kube_apiserver"
VRRP_SCRIPT = "chk_haproxy"
AUTH_PASS_LEN = 8  # keepalived silently uses only the first 8 characters
TOP_PRIORITY = 100
PRIORITY_STEP = 10

# Health checks: a dead apiserver is out after fall*inter = 6 s; a returning one must pass
# twice and then ramps its weight up over 30 s so it is not flooded while it warms caches.
HEALTH_CHECK = "check inter 2s downinter 5s rise 2 fall 3 slowstart 30s"


# Render-time allow-lists (issue #10 item 1, defence in depth): every value pasted into a
# generated file is checked here, whatever validation ran before. A newline in a host name
# would otherwise let `.if defined(X)` / `.endif` hide text from haproxy and add a
# `vrrp_instance` with a root `notify` script to keepalived.conf.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?$")
_SAFE_IFACE = re.compile(r"^[A-Za-z0-9_.@:-]{1,15}$")
_SAFE_SECRET = re.compile(r"^[A-Za-z0-9]{1,128}$")
LB = "kkui:spec.loadBalancer"
HOST_NAME_FIELD = L_("load-balancer host name")


class UnsafeRenderValue(KkuiError):
    """A value would be pasted into haproxy.cfg/keepalived.conf that is not on the allow-list."""

    exit_code = 2


def _refuse(field: str, shown: str, allowed: str) -> UnsafeRenderValue:
    return UnsafeRenderValue(L_("refusing to render: {field} {value} is not allowed in a "
                                "generated haproxy/keepalived config ({allowed}); fix it (`kkui "
                                "validate` lists every problem)", field=field, value=shown,
                                allowed=allowed))


def _name(field: str, value: str) -> None:
    if not _SAFE_NAME.match(value):
        raise _refuse(field, repr(value[:60]), L_("letters, digits, '-', '_', '.'"))


def _ipv4(field: str, value: str) -> None:
    try:
        ok = str(ipaddress.IPv4Address(value)) == value
    except ValueError:
        ok = False
    if not ok:
        raise _refuse(field, repr(value[:60]), L_("a plain IPv4 address"))


def _number(field: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(field, repr(value), L_("a number from {low} to {high}", low=low,
                                             high=high))


def check_renderable(model: ClusterModel) -> None:
    """Raise :class:`UnsafeRenderValue` unless every value from the config that is pasted into
    a generated file is on its allow-list (RenderOptions come from code, not from the file)."""
    lb = model.kkui.load_balancer
    for i, h in enumerate(lb.hosts):
        _name(f"{LB}.hosts[{i}].name", h.name)
        _ipv4(f"{LB}.hosts[{i}].internalAddress", h.internal_ipv4)
    for h in model.control_plane_hosts:
        _name(L_("spec.hosts[].name (control plane)"), h.name)
        _ipv4(f"spec.hosts[].internalAddress ({h.name})", h.internal_ipv4)
    _ipv4(f"{LB}.vip", lb.vip)
    _number(f"{LB}.prefix", lb.prefix, 1, 32)
    _number(f"{LB}.port", lb.port, 1, 65535)
    _number(f"{LB}.virtualRouterId", lb.router_id, 1, 255)
    if not _SAFE_IFACE.match(lb.interface):
        raise _refuse(f"{LB}.interface", repr(lb.interface[:60]),
                      L_("a network interface name: letters, digits, '_', '.', '@', ':', "
                         "'-'"))
    for key, value in (("authPass", lb.secrets.auth_pass),
                       ("statsPassword", lb.secrets.stats_password)):
        if value and not _SAFE_SECRET.match(value):  # the value itself is never shown
            raise _refuse(f"{LB}.secrets.{key}", L_("(value not shown)"),
                          L_("letters and digits"))


@dataclass(frozen=True)
class RenderOptions:
    """Knobs that differ between a real LB host and the test lab (several LBs, one filesystem)."""

    stats_socket: str = STATS_SOCKET


@dataclass(frozen=True)
class RenderedHost:
    name: str
    address: str  # the LB's internal address (unicast_src_ip, stats page)
    haproxy_cfg: str
    keepalived_conf: str


def priority_of(index: int) -> int:
    """Distinct VRRP priorities in document order: 100, 90, 80 ..."""
    return TOP_PRIORITY - PRIORITY_STEP * index


def render_haproxy(model: ClusterModel, lb_host: Host,
                   options: RenderOptions = RenderOptions()) -> str:
    lb = model.kkui.load_balancer
    _require_secrets(lb)
    check_renderable(model)
    _name(HOST_NAME_FIELD, lb_host.name)
    _ipv4(L_("internal address of {host}", host=lb_host.name), lb_host.internal_ipv4)
    backends = model.control_plane_hosts
    if not backends:
        raise KkuiError(L_("no control-plane hosts: the HAProxy backend would be empty "
                           "(add a host to spec.roleGroups.control-plane)"))
    servers = "\n".join(
        f"    server {h.name} {h.internal_ipv4}:{APISERVER_PORT}" for h in backends
    )
    return f"""\
# HAProxy for the kube-apiservers, written by `kkui lb render` for {lb_host.name}.
# Edit kkui's config and render again instead of editing this file.

global
    log /dev/log local0
    log /dev/log local1 notice
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    daemon
    maxconn 4000
    stats socket {options.stats_socket} mode 600 level admin
    stats socket ipv4@127.0.0.1:{STATS_CLI_PORT} level user
    stats timeout 30s

defaults
    mode tcp
    log global
    option tcplog
    option dontlognull
    option redispatch
    retries 3
    maxconn 4000
    timeout connect 5s
    timeout queue 1m
    timeout check 5s
    # kubectl/kubelet watches stay open for up to an hour
    timeout client 1h
    timeout server 1h

frontend {BACKEND}
    bind *:{lb.port}
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    option tcp-check
    default-server {HEALTH_CHECK} maxconn 1000 maxqueue 256 weight 100
{servers}

listen stats
    bind {lb_host.internal_ipv4}:{STATS_PAGE_PORT}
    mode http
    option httplog
    stats enable
    stats uri /stats
    stats refresh 10s
    stats auth {STATS_USER}:{lb.secrets.stats_password}
"""


def render_keepalived(model: ClusterModel, lb_host: Host) -> str:
    lb = model.kkui.load_balancer
    _require_secrets(lb)
    check_renderable(model)
    _name(HOST_NAME_FIELD, lb_host.name)
    _ipv4(L_("internal address of {host}", host=lb_host.name), lb_host.internal_ipv4)
    index = _index_of(lb, lb_host)
    peers = "\n".join(
        f"        {h.internal_ipv4}" for h in lb.hosts if h.name != lb_host.name
    )
    return f"""\
# Keepalived (VRRP) for the apiserver VIP, written by `kkui lb render` for {lb_host.name}.
# Edit kkui's config and render again instead of editing this file.

global_defs {{
    router_id {lb_host.name}
    script_user root
    enable_script_security
}}

# killall (psmisc) works here; pidof does not. No weight: without haproxy this LB goes to
# FAULT and releases the VIP at once (a weight only lowers the priority; nopreempt ignores it).
vrrp_script {VRRP_SCRIPT} {{
    script "/usr/bin/killall -0 haproxy"
    interval 1
    fall 2
    rise 2
}}

vrrp_instance {VRRP_INSTANCE} {{
    # Every LB starts as BACKUP and nopreempt keeps the VIP where it is when a peer returns.
    state BACKUP
    nopreempt
    interface {lb.interface}
    virtual_router_id {lb.router_id}
    priority {priority_of(index)}
    advert_int 1
    unicast_src_ip {lb_host.internal_ipv4}
    unicast_peer {{
{peers}
    }}
    authentication {{
        auth_type PASS
        auth_pass {lb.secrets.auth_pass[:AUTH_PASS_LEN]}
    }}
    virtual_ipaddress {{
        {lb.vip}/{lb.prefix} dev {lb.interface}
    }}
    track_script {{
        {VRRP_SCRIPT}
    }}
}}
"""


def render_all(model: ClusterModel, options: RenderOptions = RenderOptions()
               ) -> list[RenderedHost]:
    """Both files for every LB host, in document order."""
    lb = model.kkui.load_balancer
    return [
        RenderedHost(
            name=h.name,
            address=h.internal_ipv4,
            haproxy_cfg=render_haproxy(model, h, options),
            keepalived_conf=render_keepalived(model, h),
        )
        for h in lb.hosts
    ]


def _index_of(lb: LoadBalancerPair, lb_host: Host) -> int:
    for i, h in enumerate(lb.hosts):
        if h.name == lb_host.name:
            return i
    raise KkuiError(L_("{host} is not one of the load-balancer hosts", host=lb_host.name))


def _require_secrets(lb: LoadBalancerPair) -> None:
    if not (lb.secrets.auth_pass and lb.secrets.stats_password):
        raise KkuiError(L_("the load balancer's secrets are not generated yet "
                           "(`kkui lb render -f CONFIG` generates and stores them)"))
