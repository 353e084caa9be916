"""What the drill watches every second, from a control-plane node that is not being broken.

One SSH round trip per sample: ``/readyz`` through the control-plane endpoint (VIP:port), a
test write (create then delete a ConfigMap in the ``kkui-drill`` namespace, through the
endpoint), the nodes' Ready conditions, and etcd's endpoint health (with kk's certificates, when
the observer is an etcd node).  All with the same ``kubectl``/``etcdctl`` and paths as verify.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kkui.core.ssh import SshError, SshSession
from kkui.core.verify import gather

NAMESPACE = "kkui-drill"


@dataclass(frozen=True)
class Sample:
    wall: float
    offset: float
    api_ok: bool
    write_ok: bool
    etcd_healthy: int | None          # None: not measured (observer is not an etcd node)
    nodes: dict[str, bool] = field(default_factory=dict)   # name → Ready
    error: str = ""


def namespace_script(endpoint: str, *, delete: bool = False) -> str:
    if delete:
        cmd = gather.kubectl(f"delete --raw /api/v1/namespaces/{NAMESPACE}", server=endpoint)
    else:
        body = json.dumps({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": NAMESPACE, "labels": {"kkui.io/drill": "1"}}})
        cmd = (f"t=$(mktemp); printf '%s' {shlex.quote(body)} > \"$t\"; "
               + gather.kubectl('create --raw /api/v1/namespaces -f "$t"', server=endpoint)
               + '; rc=$?; rm -f "$t"; exit $rc')
    return gather.PRELUDE + gather.section("namespace", cmd)


def probe_script(endpoint: str, *, etcd_node: str | None, etcd_endpoints: list[str],
                 seq: int) -> str:
    name = f"kkui-drill-{seq}"
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": name, "namespace": NAMESPACE},
                       "data": {"written": str(seq)}})
    path = f"/api/v1/namespaces/{NAMESPACE}/configmaps"
    write = (f"t=$(mktemp); printf '%s' {shlex.quote(body)} > \"$t\"; "
             + gather.kubectl(f'create --raw {path} -f "$t"', server=endpoint)
             + ' >/dev/null && ' + gather.kubectl(f"delete --raw {path}/{name}", server=endpoint)
             + ' >/dev/null; rc=$?; rm -f "$t"; exit $rc')
    parts = [gather.PRELUDE,
             gather.section("readyz", gather.kubectl("get --raw /readyz", server=endpoint)),
             gather.section("write", write),
             gather.section("nodes", gather.kubectl("get --raw /api/v1/nodes", server=endpoint))]
    if etcd_node:
        ssl = f'"$R"{gather.ETCD_SSL}'
        parts.append(gather.section("etcd-health", (
            f"ETCDCTL_API=3 etcdctl --endpoints={shlex.quote(','.join(etcd_endpoints))} "
            f"--cacert {ssl}/ca.pem --cert {ssl}/admin-{etcd_node}.pem "
            f"--key {ssl}/admin-{etcd_node}-key.pem --dial-timeout=1s --command-timeout=2s "
            "endpoint health -w json")))
    return "".join(parts)


def parse_sample(text: str, wall: float, offset: float) -> Sample:
    sections = gather.parse_sections(text)
    readyz = sections.get("readyz")
    write = sections.get("write")
    nodes: dict[str, bool] = {}
    node_sec = sections.get("nodes")
    if node_sec is not None and node_sec.ok:
        try:
            for item in json.loads(node_sec.stdout).get("items") or []:
                ready = [c for c in item.get("status", {}).get("conditions") or []
                         if c.get("type") == "Ready"]
                nodes[str(item["metadata"]["name"])] = bool(
                    ready and ready[0].get("status") == "True")
        except (ValueError, KeyError, AttributeError):
            pass
    healthy = None
    etcd = sections.get("etcd-health")
    if etcd is not None:
        try:
            healthy = sum(1 for e in json.loads(etcd.stdout) if e.get("health"))
        except (ValueError, AttributeError, TypeError):
            healthy = 0
    return Sample(wall, offset,
                  api_ok=bool(readyz and readyz.ok and readyz.stdout.strip() == "ok"),
                  write_ok=bool(write and write.ok), etcd_healthy=healthy, nodes=nodes)


class Monitor:
    """Samples in a thread until stopped; ``on_sample`` is called from that thread."""

    def __init__(self, session: SshSession, *, endpoint: str, etcd_node: str | None,
                 etcd_endpoints: list[str], start: float, interval: float = 1.0,
                 timeout: float = 10.0,
                 on_sample: Callable[[Sample], None] | None = None) -> None:
        self.session, self.endpoint = session, endpoint
        self.etcd_node, self.etcd_endpoints = etcd_node, etcd_endpoints
        self.start_time, self.interval, self.timeout = start, interval, timeout
        self.on_sample = on_sample
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kkui-drill-monitor",
                                        daemon=True)
        self._seq = 0

    def sample(self) -> Sample:
        self._seq += 1
        wall = time.time()
        offset = time.monotonic() - self.start_time
        script = probe_script(self.endpoint, etcd_node=self.etcd_node,
                              etcd_endpoints=self.etcd_endpoints, seq=self._seq)
        try:
            res = self.session.run(f"/bin/bash -c {shlex.quote(script)}", sudo=True,
                                   timeout=self.timeout)
        except SshError as exc:
            return Sample(wall, offset, False, False, None, {}, error=str(exc))
        return parse_sample(res.stdout, wall, offset)

    def _loop(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            s = self.sample()
            self.samples.append(s)
            if self.on_sample is not None:
                self.on_sample(s)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 2)
