"""A kube-apiserver stand-in for the verify lab: HTTPS on ``ADDRESS:PORT``, state from a file.

Run as ``python apiserver_standin.py NAME ADDRESS PORT CERT KEY STATE``.  It answers what kkui's
verify and drill code asks through the real ``kubectl get --raw`` (``/readyz``, ``/livez``,
``/version``, nodes, kube-system pods and services) and ConfigMap create/delete for the drill's
test write.  ``STATE`` is JSON written by the test (atomically) and re-read on every request, so
a test can make a node NotReady or this API server unready without restarting anything:
``{"apiservers": {NAME: {"ready": bool}}, "nodes": [...], "pods": [...], "services": [...],
"configmaps": {}}``.  No real Kubernetes semantics beyond that.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAME, ADDRESS, PORT, CERT, KEY, STATE = sys.argv[1:7]
_lock = threading.Lock()


def _state() -> dict:
    try:
        return json.loads(Path(STATE).read_text())
    except (OSError, ValueError):
        return {}


def _save(state: dict) -> None:
    tmp = f"{STATE}.{os.getpid()}.tmp"
    Path(tmp).write_text(json.dumps(state))
    os.replace(tmp, STATE)


def _list(kind: str, items: list) -> dict:
    return {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
            "items": items}


def _resource(name: str, kind: str, namespaced: bool, verbs: list[str]) -> dict:
    return {"name": name, "singularName": "", "namespaced": namespaced, "kind": kind,
            "verbs": verbs}


DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": f"{ADDRESS}:{PORT}"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        _resource("nodes", "Node", False, ["get", "list", "patch"]),
        _resource("pods", "Pod", True, ["get", "list", "delete"]),
        _resource("pods/eviction", "Eviction", True, ["create"]),
        _resource("services", "Service", True, ["get", "list"]),
        _resource("configmaps", "ConfigMap", True, ["create", "delete", "get", "list"])]},
}


def _node(state: dict, name: str) -> dict | None:
    return next((n for n in state.get("nodes", []) if n["metadata"]["name"] == name), None)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, code: int, body: object, ctype: str = "application/json") -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        state = _state()
        path = self.path.split("?", 1)[0]
        ready = state.get("apiservers", {}).get(NAME, {}).get("ready", True)
        if path in ("/readyz", "/livez", "/healthz"):
            if ready:
                self._send(200, "ok", "text/plain")
            else:
                self._send(500, "[-]etcd failed: reason withheld\nreadyz check failed\n",
                           "text/plain")
            return
        if path in DISCOVERY:  # kubectl cordon/drain map "node" to a resource first
            self._send(200, DISCOVERY[path])
        elif path == "/version":
            self._send(200, {"major": "1", "minor": "28", "gitVersion": "v1.28.15"})
        elif path == "/api/v1/nodes":
            self._send(200, _list("NodeList", state.get("nodes", [])))
        elif path.startswith("/api/v1/nodes/"):
            node = _node(state, path.rsplit("/", 1)[1])
            if node is None:
                self._send(404, {"kind": "Status", "status": "Failure", "code": 404,
                                 "reason": "NotFound", "message": "node not found"})
            else:
                self._send(200, {"kind": "Node", "apiVersion": "v1", **node})
        elif path == "/api/v1/pods":  # kubectl drain: the pods on one node (none evictable)
            query = self.path.partition("?")[2]
            on = query.split("spec.nodeName%3D", 1)[-1].split("&")[0] if "nodeName" in query \
                else None
            pods = [p for p in state.get("workloads", []) if on is None or
                    p.get("spec", {}).get("nodeName") == on]
            self._send(200, _list("PodList", pods))
        elif path == "/api/v1/namespaces/kube-system/pods":
            self._send(200, _list("PodList", state.get("pods", [])))
        elif path == "/api/v1/namespaces/kube-system/services":
            self._send(200, _list("ServiceList", state.get("services", [])))
        else:
            self._send(404, {"kind": "Status", "status": "Failure", "code": 404,
                             "reason": "NotFound", "message": f"{path} not found"})

    def _body(self) -> bytes:
        """The request body, Content-Length or chunked (kubectl create --raw sends chunked)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self._body() or b"{}")
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if parts == ["api", "v1", "namespaces"]:
            self._send(201, body)
        elif len(parts) == 5 and parts[:2] == ["api", "v1"] and parts[4] == "configmaps":
            with _lock:
                state = _state()
                name = body.get("metadata", {}).get("name", "")
                state.setdefault("configmaps", {})[f"{parts[3]}/{name}"] = body
                _save(state)
            self._send(201, body)
        else:
            self._send(404, {"kind": "Status", "code": 404})

    def do_PATCH(self) -> None:  # noqa: N802
        """kubectl cordon/uncordon: a patch of spec.unschedulable, kept in the state file."""
        body = json.loads(self._body() or b"{}")
        path = self.path.split("?", 1)[0]
        if not path.startswith("/api/v1/nodes/"):
            self._send(404, {"kind": "Status", "code": 404})
            return
        with _lock:
            state = _state()
            node = _node(state, path.rsplit("/", 1)[1])
            if node is None:
                self._send(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
                return
            node.setdefault("spec", {}).update(body.get("spec", {}))
            _save(state)
        self._send(200, {"kind": "Node", "apiVersion": "v1", **node})

    def do_DELETE(self) -> None:  # noqa: N802
        self._body()
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) == 4 and parts[2] == "namespaces":
            self._send(200, {"kind": "Status", "status": "Success"})
        elif len(parts) == 6 and parts[4] == "configmaps":
            with _lock:
                state = _state()
                gone = state.setdefault("configmaps", {}).pop(f"{parts[3]}/{parts[5]}", None)
                _save(state)
            self._send(200 if gone else 404, {"kind": "Status", "status": "Success"})
        else:
            self._send(404, {"kind": "Status", "code": 404})


def main() -> None:
    server = ThreadingHTTPServer((ADDRESS, int(PORT)), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
