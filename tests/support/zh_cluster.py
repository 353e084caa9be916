# ruff: noqa: E501
"""A cluster config on loopback addresses for the issue #16 tests (tests/i18n): the handover
report's golden config (hosts 127.0.0.11-17, VIP 127.0.0.18, SSH passwords and the LB pair's
secrets to mask), the same with every SSH port 1 (nothing listens: commands that reach for hosts
answer at once with their connection errors, no traffic leaves loopback), a broken variant, and
a runner of the real `kkui` in a chosen language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Rep0rt-S3cret-pw"
STATS = "St4tsS3cretpw"
AUTH = "vrrpAuth9"
CONFIG = f"""\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: prod
spec:
  hosts:
  - {{name: master1, address: 127.0.0.11, internalAddress: 127.0.0.11, user: root, password: "{PASSWORD}"}}
  - {{name: master2, address: 127.0.0.12, internalAddress: 127.0.0.12, user: root, password: "{PASSWORD}"}}
  - {{name: master3, address: 127.0.0.13, internalAddress: 127.0.0.13, user: root, password: "{PASSWORD}"}}
  - {{name: worker1, address: 127.0.0.14, internalAddress: 127.0.0.14, user: ubuntu, privateKeyPath: ~/.ssh/id_ed25519}}
  roleGroups:
    etcd: [master1, master2, master3]
    control-plane: [master1, master2, master3]
    worker: [worker1]
  controlPlaneEndpoint: {{domain: lb.kubesphere.local, address: 127.0.0.18, port: 6443}}
  kubernetes: {{version: v1.28.15, containerManager: containerd}}
  network: {{plugin: calico, kubePodsCIDR: 10.233.64.0/18, kubeServiceCIDR: 10.233.0.0/18}}
---
apiVersion: kkui/v1alpha1
kind: KkuiSettings
metadata:
  name: prod
spec:
  kk:
    version: v3.1.12
  loadBalancer:
    vip: 127.0.0.18
    prefix: 24
    port: 6443
    interface: eth0
    virtualRouterId: 51
    hosts:
    - {{name: lb1, address: 127.0.0.16, internalAddress: 127.0.0.16, user: root, password: "{PASSWORD}"}}
    - {{name: lb2, address: 127.0.0.17, internalAddress: 127.0.0.17, user: root, password: "{PASSWORD}"}}
    secrets:
      authPass: "{AUTH}"
      statsPassword: "{STATS}"
"""
# every SSH host on a closed loopback port: each command answers at once, with its errors
REFUSED = CONFIG.replace("internalAddress: 127.0.0.1", "port: 1, internalAddress: 127.0.0.1")
# errors and warnings of several kinds: an unknown version, a role for a host that does not
# exist, an even etcd count, a duplicate address
BROKEN = (REFUSED.replace("version: v1.28.15", "version: v1.99.1")
          .replace("etcd: [master1, master2, master3]", "etcd: [master1, master2]")
          .replace("worker: [worker1]", "worker: [worker1, ghost]")
          .replace("address: 127.0.0.14, port: 1, internalAddress: 127.0.0.14",
                   "address: 127.0.0.13, port: 1, internalAddress: 127.0.0.13"))
ZH = {"LANG": "zh_CN.UTF-8"}
EN = {"LANG": "C.UTF-8"}


def kkui(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "KKUI_LANG", "COLUMNS",
                         "LINES")}
    return subprocess.run([sys.executable, "-m", "kkui", *args], capture_output=True,
                          text=True, timeout=90, cwd=cwd, stdin=subprocess.DEVNULL,
                          env={**base, "PYTHONPATH": str(ROOT), "NO_COLOR": "1",
                               "KKUI_DB": str(cwd / "history.db"), **env})
