"""The keys of kkui's own document (``kind: KkuiSettings``), for unknown-key warnings.

kk's ``kind: Cluster`` document is described, with Go types, in :mod:`kk_schema` (taken from
kk's source) and checked by :mod:`kk_decode`.  ``ANY`` marks a subtree nothing checks.
"""

from __future__ import annotations

from typing import Any

from kkui.core.config.kk_schema import V1ALPHA2

ANY: dict[str, Any] = {}

# LB hosts are written like kk's host rows (HostCfg, cmd/kk/apis/kubekey/v1alpha2/cluster_types.go)
HOST_KEYS: dict[str, Any] = {key: ANY for key in V1ALPHA2["HostCfg"]}

KKUI_LB_KEYS = ("vip", "prefix", "port", "interface", "virtualRouterId", "hosts", "secrets")

KKUI_SCHEMA: dict[str, Any] = {
    "apiVersion": ANY,
    "kind": ANY,
    "metadata": ANY,
    "spec": {
        "kk": {"version": ANY, "zone": ANY},
        "loadBalancer": {
            **{key: ANY for key in KKUI_LB_KEYS},
            "hosts": HOST_KEYS,
            "secrets": {"authPass": ANY, "statsPassword": ANY},
        },
    },
}
