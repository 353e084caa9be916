"""The keys kk v3 knows in a ``kind: Cluster`` document (kk ignores the others silently).

``ANY`` marks a subtree kk passes through (plugin options, extra args): nothing below is checked.
"""

from __future__ import annotations

from typing import Any

ANY: dict[str, Any] = {}

HOST_KEYS: dict[str, Any] = {
    key: ANY
    for key in ("name", "address", "internalAddress", "port", "user", "password",
                "privateKey", "privateKeyPath", "arch", "timeout", "labels")
}

CLUSTER_SCHEMA: dict[str, Any] = {
    "apiVersion": ANY,
    "kind": ANY,
    "metadata": {"name": ANY, "labels": ANY, "annotations": ANY, "namespace": ANY},
    "spec": {
        "hosts": HOST_KEYS,
        "roleGroups": ANY,
        "controlPlaneEndpoint": {
            key: ANY for key in ("internalLoadbalancer", "domain", "address", "port", "kubevip",
                                 "externalDNS")
        },
        "system": {
            key: ANY for key in ("ntpServers", "timezone", "rpms", "debs", "preInstall",
                                 "postInstall", "skipConfigureOS")
        },
        "kubernetes": {
            key: ANY for key in (
                "version", "clusterName", "dnsDomain", "autoRenewCerts", "containerManager",
                "containerRuntimeEndpoint", "proxyMode", "maxPods", "podPidsLimit",
                "nodeCidrMaskSize", "masqueradeAll", "apiserverArgs", "controllerManagerArgs",
                "schedulerArgs", "kubeletArgs", "kubeProxyArgs", "kubeletConfiguration",
                "kubeProxyConfiguration", "featureGates", "apiserverCertExtraSans",
                "nodeFeatureDiscovery", "audit", "kata", "type", "minorVersion")
        },
        "etcd": {
            key: ANY for key in (
                "type", "external", "dataDir", "heartbeatInterval", "electionTimeout",
                "snapshotCount", "autoCompactionRetention", "metrics", "quotaBackendBytes",
                "maxRequestBytes", "maxSnapshots", "maxWals", "logLevel", "port", "peerPort",
                "backupDir", "backupPeriod", "keepBackupNumber", "backupScriptDir")
        },
        "dns": ANY,
        "network": {
            key: ANY for key in ("plugin", "kubePodsCIDR", "kubeServiceCIDR", "calico", "flannel",
                                 "kubeovn", "cilium", "hybridnet", "multusCNI")
        },
        "storage": ANY,
        "registry": {
            key: ANY for key in ("type", "privateRegistry", "namespaceOverride", "registryMirrors",
                                 "insecureRegistries", "auths", "port")
        },
        "addons": ANY,
        "kubesphere": ANY,
    },
}

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
