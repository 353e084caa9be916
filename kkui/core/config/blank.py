"""A blank KubeKey v3 config: no hosts yet, kk's defaults, kkui's settings document.

``kkui tui -f new.yaml`` starts from it when the file does not exist (nothing is written
until the operator saves). The keys and defaults follow kk v3.1.12's generated
config-sample (tests/data/kubekey/config-sample.v1alpha2.yaml; shared/KUBEKEY.md: port 6443,
domain lb.kubesphere.local, calico, 10.233.64.0/18 and 10.233.0.0/18), with a Kubernetes
version on kk's list that runs containerd (v1.24+).
"""

from __future__ import annotations

import re
from pathlib import Path

from kkui.core.config.document import ClusterDocument

BLANK_TEMPLATE = """\
# A KubeKey v3 cluster config (kk create cluster -f {file}), started blank in kkui.
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: {name}
spec:
  hosts:
  roleGroups:
    etcd:
    control-plane:
    worker:
  controlPlaneEndpoint:
    domain: lb.kubesphere.local
    address: ""
    port: 6443
  kubernetes:
    version: v1.28.15
    clusterName: cluster.local
    autoRenewCerts: true
    containerManager: containerd
  etcd:
    type: kubekey
  network:
    plugin: calico
    kubePodsCIDR: 10.233.64.0/18
    kubeServiceCIDR: 10.233.0.0/18
  registry:
    privateRegistry: ""
    registryMirrors: []
    insecureRegistries: []
  addons: []
---
# kkui's own settings; kk ignores documents of other kinds.
apiVersion: kkui/v1alpha1
kind: KkuiSettings
metadata:
  name: {name}
spec:
  kk:
    version: v3.1.12
    zone: global
"""


def cluster_name_for(path: Path) -> str:
    """``my-lab.yaml`` -> ``my-lab`` (an RFC 1123 name; ``cluster`` when nothing is left)."""
    stem = re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-")
    return stem or "cluster"


def blank_document(path: Path) -> ClusterDocument:
    """The blank config for ``path`` (not written; ``path`` is where ctrl+s proposes)."""
    name = cluster_name_for(path)
    return ClusterDocument.from_text(BLANK_TEMPLATE.format(name=name, file=path.name),
                                     source=str(path))
