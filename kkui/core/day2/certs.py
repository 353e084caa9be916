"""The certificate calendar: every certificate on the control-plane and etcd nodes, by expiry.

kubeadm's certificates in ``/etc/kubernetes/pki`` (``*.crt``: the CA, front-proxy CA, apiserver,
apiserver-kubelet-client, front-proxy-client …) and kk's etcd certificates in
``/etc/ssl/etcd/ssl`` (``ca.pem``, ``admin-/member-/node-<host>.pem``; kk:
cmd/kk/pkg/etcd/certs.go).  Read over SSH with the verify gather script (certificates only, never
a key file), parsed locally.  ``kk certs renew`` renews kubeadm's leaf certificates only: not
kk's etcd certificates (kubekey#2310) and not the CAs (kubekey#2637, #2509).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel
from kkui.core.ssh import KnownHosts, SshClientPool, SshSession, connect
from kkui.core.verify.checks import CERT_FAIL_DAYS, CERT_WARN_DAYS
from kkui.core.verify.engine import host_facts
from kkui.i18n import L_

NOT_RENEWED_BY_KK = L_(
    "kk certs renew renews kubeadm's certificates only. It does not renew kk's etcd "
    "certificates in /etc/ssl/etcd/ssl/ (kubekey#2310) nor the CAs (ca.crt, "
    "front-proxy-ca.crt, etcd ca.pem; kubekey#2637, #2509): plan those by hand before they "
    "expire.")


@dataclass(frozen=True)
class CertRow:
    host: str
    path: str
    subject: str
    not_after: str | None      # ISO 8601, UTC
    days_left: float | None
    status: str                # pass | warn | fail | error
    is_ca: bool = False
    renewed_by_kk: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"host": self.host, "path": self.path, "subject": self.subject,
                "not_after": self.not_after,
                "days_left": None if self.days_left is None else round(self.days_left, 1),
                "status": self.status}


def renewed_by_kk(path: str, is_ca: bool) -> bool:
    return path.startswith("/etc/kubernetes/pki/") and not is_ca


def status_of(days_left: float | None) -> str:
    if days_left is None:
        return "error"
    if days_left < CERT_FAIL_DAYS:
        return "fail"
    return "warn" if days_left < CERT_WARN_DAYS else "pass"


def collect_certs(model: ClusterModel, *, timeout: float = 30.0,
                  strict_host_keys: bool = False, known_hosts: KnownHosts | None = None,
                  connector: Callable[..., SshSession] = connect,
                  now: dt.datetime | None = None) -> tuple[list[CertRow], dict[str, str]]:
    """(rows sorted by expiry, soonest first; host → error for hosts that could not be read)."""
    now = now or dt.datetime.now(dt.UTC)
    hosts = [h for h in model.hosts
             if {ROLE_CONTROL_PLANE, ROLE_ETCD} & set(model.roles_of(h.name))]
    sessions = SshClientPool(known_hosts=known_hosts, strict_host_keys=strict_host_keys,
                             connect_timeout=min(5.0, timeout), remember_failures=True,
                             connector=connector)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            facts = list(pool.map(lambda h: host_facts(model, h, sessions, timeout), hosts))
    finally:
        sessions.close_all()
    rows: list[CertRow] = []
    errors: dict[str, str] = {}
    for hf in facts:
        if hf.error:
            errors[hf.name] = hf.error
            continue
        for cert in hf.certs:
            days = cert.days_left(now)
            rows.append(CertRow(
                hf.name, cert.path, cert.subject,
                cert.not_after.isoformat() if cert.not_after else None, days, status_of(days),
                cert.is_ca, renewed_by_kk(cert.path, cert.is_ca)))
    rows.sort(key=lambda r: (float("inf") if r.days_left is None else r.days_left, r.host,
                             r.path))
    return rows, errors
