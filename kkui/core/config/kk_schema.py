"""kk's config API as data: every struct, its JSON keys and each key's Go type.

Taken from kk's Go sources (the file named above each block) with their ``json:"..."`` tags;
``<inline>`` is an embedded struct whose keys sit at the same level (``metav1.TypeMeta``).
Type strings are Go's own: ``string``, ``int``, ``int64``, ``bool``, ``*T`` (same as T, and
null is fine for every type), ``[]T``, ``map[string]T``, a struct name from this table, and
``RawExtension`` / ``interface{}`` (anything goes), ``Values`` (a mapping of anything).

How kk v3.1.12 reads a config (cmd/kk/pkg/common/loader.go:195-216): each YAML document is
converted to JSON by sigs.k8s.io/yaml v1.3.0 (go-yaml v2, i.e. YAML 1.1) and every
``kind: Cluster`` document, **whatever its apiVersion**, is ``json.Unmarshal``-ed into the
v1alpha2 ``Cluster`` below (loader.go:212).  So the v1alpha2 table decides types and known keys
for every file; the v1alpha1 table (kk v1.x) only recognises old fields that kk v3 no longer
reads.  Go's encoding/json ignores unknown keys and matches known ones case-insensitively.
"""

from __future__ import annotations

from kkui.i18n import N_

V1ALPHA2_SOURCE = "cmd/kk/apis/kubekey/v1alpha2 @ v3.1.12"

V1ALPHA2: dict[str, dict[str, str]] = {
    # cmd/kk/apis/kubekey/v1alpha2/cluster_types.go @ v3.1.12
    "Cluster": {"<inline>": "TypeMeta", "metadata": "ObjectMeta", "spec": "ClusterSpec"},
    "ClusterSpec": {
        "hosts": "[]HostCfg", "roleGroups": "map[string][]string",
        "controlPlaneEndpoint": "ControlPlaneEndpoint", "system": "System", "etcd": "EtcdCluster",
        "dns": "DNS", "kubernetes": "Kubernetes", "network": "NetworkConfig",
        "storage": "StorageConfig", "registry": "RegistryConfig", "addons": "[]Addon",
        "kubesphere": "KubeSphere",
    },
    "HostCfg": {
        "name": "string", "address": "string", "internalAddress": "string", "port": "int",
        "user": "string", "password": "string", "privateKey": "string",
        "privateKeyPath": "string", "arch": "string", "timeout": "*int64",
        "labels": "map[string]string",
    },
    "ControlPlaneEndpoint": {
        "internalLoadbalancer": "string", "domain": "string", "externalDNS": "*bool",
        "address": "string", "port": "int", "kubevip": "KubeVip",
    },
    "KubeVip": {"mode": "string"},
    "CustomScripts": {"name": "string", "bash": "string", "role": "string",
                      "materials": "[]string"},
    "System": {
        "ntpServers": "[]string", "timezone": "string", "rpms": "[]string", "debs": "[]string",
        "preInstall": "[]CustomScripts", "postClusterInstall": "[]CustomScripts",
        "postInstall": "[]CustomScripts", "skipConfigureOS": "bool",
    },
    "RegistryConfig": {
        "type": "string", "registryMirrors": "[]string", "insecureRegistries": "[]string",
        "privateRegistry": "string", "containerdDataDir": "string", "dockerDataDir": "string",
        "registryDataDir": "string", "namespaceOverride": "string", "bridgeIP": "string",
        "auths": "RawExtension", "namespaceRewrite": "*NamespaceRewrite",
        "remoteMirrors": "map[string]MirrorConfig",
    },
    "MirrorConfig": {"endpoint": "string"},
    # type NamespaceRewritePolicy string
    "NamespaceRewrite": {"policy": "string", "src": "[]string", "dest": "string"},
    "KubeSphere": {"enabled": "bool", "version": "string", "configurations": "string"},
    # cmd/kk/apis/kubekey/v1alpha2/kubernetes_types.go @ v3.1.12
    "Kubernetes": {
        "type": "string", "version": "string", "clusterName": "string", "dnsDomain": "string",
        "disableKubeProxy": "bool", "masqueradeAll": "bool", "maxPods": "int",
        "podPidsLimit": "int", "nodeCidrMaskSize": "int", "nodeCidrMaskSizeIPv6": "int",
        "apiserverCertExtraSans": "[]string", "proxyMode": "string", "autoRenewCerts": "*bool",
        "nodelocaldns": "*bool", "containerManager": "string",
        "containerRuntimeEndpoint": "string", "nodeFeatureDiscovery": "NodeFeatureDiscovery",
        "kata": "Kata", "apiserverArgs": "[]string", "controllerManagerArgs": "[]string",
        "schedulerArgs": "[]string", "kubeletArgs": "[]string", "kubeProxyArgs": "[]string",
        "featureGates": "map[string]bool", "kubeletConfiguration": "RawExtension",
        "kubeProxyConfiguration": "RawExtension", "audit": "Audit", "nvidiaRuntime": "*bool",
    },
    "Kata": {"enabled": "*bool"},
    "NodeFeatureDiscovery": {"enabled": "*bool"},
    "Audit": {"enabled": "*bool"},
    # cmd/kk/apis/kubekey/v1alpha2/network_types.go @ v3.1.12
    "NetworkConfig": {
        "plugin": "string", "kubePodsCIDR": "string", "kubeServiceCIDR": "string",
        "calico": "CalicoCfg", "flannel": "FlannelCfg", "kubeovn": "KubeovnCfg",
        "multusCNI": "MultusCNI", "hybridnet": "HybridnetCfg",
    },
    "CalicoCfg": {
        "ipipMode": "string", "ipAutoDetectionMethod": "string", "vxlanMode": "string",
        "vethMTU": "int", "ipv4NatOutgoing": "*bool", "ipv6NatOutgoing": "*bool",
        "defaultIPPOOL": "*bool", "typha": "Typha", "controller": "Controller",
    },
    "Typha": {"replicas": "int", "nodeSelector": "map[string]string", "enabled": "*bool"},
    "Controller": {"replicas": "int", "nodeSelector": "map[string]string"},
    "FlannelCfg": {"backendMode": "string", "directRouting": "bool"},
    "KubeovnCfg": {
        "enableSSL": "bool", "joinCIDR": "string", "label": "string", "tunnelType": "string",
        "svcYamlIpfamilypolicy": "string", "dpdk": "Dpdk", "ovs-ovn": "OvsOvn",
        "kube-ovn-controller": "KubeOvnController", "kube-ovn-cni": "KubeOvnCni",
        "kube-ovn-pinger": "KubeOvnPinger",
    },
    "Dpdk": {"dpdkMode": "bool", "dpdkTunnelIface": "string", "dpdkVersion": "string"},
    "OvsOvn": {"hwOffload": "bool"},
    "KubeOvnController": {
        "podGateway": "string", "checkGateway": "*bool", "logicalGateway": "bool",
        "excludeIps": "string", "networkType": "string", "vlanInterfaceName": "string",
        "vlanID": "string", "podNicType": "string", "enableLB": "*bool", "enableNP": "*bool",
        "enableEipSnat": "*bool", "enableExternalVPC": "*bool",
    },
    "KubeOvnCni": {"enableMirror": "bool", "iface": "string", "CNIConfigPriority": "string",
                   "modules": "string", "RPMs": "string"},
    "KubeOvnPinger": {"pingerExternalAddress": "string", "pingerExternalDomain": "string"},
    "HybridnetCfg": {
        "defaultNetworkType": "string", "enableNetworkPolicy": "*bool", "init": "*bool",
        "preferVxlanInterfaces": "string", "preferVlanInterfaces": "string",
        "preferBGPInterfaces": "string", "networks": "[]HybridnetNetwork",
    },
    "HybridnetNetwork": {"name": "string", "netID": "*int", "type": "string", "mode": "string",
                         "nodeSelector": "map[string]string", "subnets": "[]HybridnetSubnet"},
    "HybridnetSubnet": {"name": "string", "netID": "*int", "cidr": "string", "gateway": "string",
                        "start": "string", "end": "string", "reservedIPs": "[]string",
                        "excludeIPs": "[]string"},
    "MultusCNI": {"enabled": "*bool"},
    # cmd/kk/apis/kubekey/v1alpha2/etcd_types.go @ v3.1.12
    "EtcdCluster": {
        "type": "string", "external": "ExternalEtcd", "port": "*int", "peerPort": "*int",
        "extraArgs": "[]string", "backupDir": "string", "backupPeriod": "int",
        "keepBackupNumber": "int", "backupScript": "string", "dataDir": "*string",
        "heartbeatInterval": "*int", "electionTimeout": "*int", "snapshotCount": "*int",
        "autoCompactionRetention": "*int", "metrics": "*string", "quotaBackendBytes": "*int64",
        "maxRequestBytes": "*int64", "maxSnapshots": "*int", "maxWals": "*int",
        "logLevel": "*string",
    },
    "ExternalEtcd": {"endpoints": "[]string", "caFile": "string", "certFile": "string",
                     "keyFile": "string"},
    # cmd/kk/apis/kubekey/v1alpha2/dns_types.go @ v3.1.12
    "DNS": {"dnsEtcHosts": "string", "nodeEtcHosts": "string", "coredns": "CoreDNS",
            "nodelocaldns": "NodeLocalDNS"},
    "CoreDNS": {"additionalConfigs": "string", "externalZones": "[]ExternalZone",
                "rewriteBlock": "string", "upstreamDNSServers": "[]string"},
    "NodeLocalDNS": {"externalZones": "[]ExternalZone"},
    "ExternalZone": {"zones": "[]string", "nameservers": "[]string", "cache": "int",
                     "rewrite": "[]string"},
    # cmd/kk/apis/kubekey/v1alpha2/storage_types.go @ v3.1.12
    "StorageConfig": {"openebs": "OpenEBSCfg"},
    "OpenEBSCfg": {"basePath": "string"},
    # cmd/kk/apis/kubekey/v1alpha2/addons_types.go @ v3.1.12 (Values: helm's chartutil.Values,
    # a map[string]interface{})
    "Addon": {"name": "string", "namespace": "string", "preInstall": "[]CustomScripts",
              "sources": "Sources", "postInstall": "[]CustomScripts", "retries": "int",
              "delay": "int"},
    "Sources": {"chart": "Chart", "yaml": "Yaml"},
    "Chart": {"name": "string", "repo": "string", "path": "string", "version": "string",
              "valuesFile": "string", "values": "[]string", "wait": "bool"},
    "Yaml": {"path": "[]string", "values": "Values"},
    # k8s.io/apimachinery@v0.25.4 (kk v3.1.12's go.mod) pkg/apis/meta/v1/types.go; Time is a
    # string (RFC 3339) in JSON
    "TypeMeta": {"kind": "string", "apiVersion": "string"},
    "ObjectMeta": {
        "name": "string", "generateName": "string", "namespace": "string", "selfLink": "string",
        "uid": "string", "resourceVersion": "string", "generation": "int64",
        "creationTimestamp": "Time", "deletionTimestamp": "*Time",
        "deletionGracePeriodSeconds": "*int64", "labels": "map[string]string",
        "annotations": "map[string]string", "ownerReferences": "[]OwnerReference",
        "finalizers": "[]string", "managedFields": "[]RawExtension",
    },
    "OwnerReference": {"apiVersion": "string", "kind": "string", "name": "string",
                       "uid": "string", "controller": "*bool", "blockOwnerDeletion": "*bool"},
}

# kk v1.x's API (apiVersion kubekey.kubesphere.io/v1alpha1).  kk v3 reads such files as
# v1alpha2 (see above), so these keys only let kkui say "an old field kk v3 ignores" instead of
# "unknown key".  Union of apis/kubekey/v1alpha1/*_types.go @ v1.2.2 (the last v1alpha1
# release) and pkg/apis/kubekey/v1alpha1/*_types.go @ v1.0.1 (which alone has imageRepo, and
# typed port, maxPods, nodeCidrMaskSize, vethMTU as strings: quoted numbers that kk v3 rejects).
V1ALPHA1: dict[str, dict[str, str]] = {
    # cluster_types.go
    "Cluster": {"<inline>": "TypeMeta", "metadata": "ObjectMeta", "spec": "ClusterSpec",
                "status": "RawExtension"},
    "ClusterSpec": {
        "hosts": "[]HostCfg", "roleGroups": "RoleGroups",
        "controlPlaneEndpoint": "ControlPlaneEndpoint", "kubernetes": "Kubernetes",
        "network": "NetworkConfig", "registry": "RegistryConfig", "addons": "[]Addon",
        "kubesphere": "KubeSphere",
    },
    "HostCfg": {
        "name": "string", "address": "string", "internalAddress": "string", "port": "int",
        "user": "string", "password": "string", "privateKey": "string",
        "privateKeyPath": "string", "arch": "string", "labels": "map[string]string",
        "id": "string",
    },
    "RoleGroups": {"etcd": "[]string", "master": "[]string", "worker": "[]string"},
    "ControlPlaneEndpoint": {"internalLoadbalancer": "string", "domain": "string",
                             "address": "string", "port": "int"},
    "RegistryConfig": {"registryMirrors": "[]string", "insecureRegistries": "[]string",
                       "privateRegistry": "string"},
    "KubeSphere": {"enabled": "bool", "version": "string", "configurations": "string"},
    # kubernetes_types.go
    "Kubernetes": {
        "type": "string", "version": "string", "imageRepo": "string", "clusterName": "string",
        "masqueradeAll": "bool", "maxPods": "int", "nodeCidrMaskSize": "int",
        "apiserverCertExtraSans": "[]string", "proxyMode": "string", "nodelocaldns": "*bool",
        "etcdBackupDir": "string", "etcdBackupPeriod": "int", "keepBackupNumber": "int",
        "etcdBackupScript": "string", "containerManager": "string",
        "containerRuntimeEndpoint": "string", "apiserverArgs": "[]string",
        "controllerManagerArgs": "[]string", "schedulerArgs": "[]string",
        "kubeletArgs": "[]string", "kubeProxyArgs": "[]string",
        "kubeletConfiguration": "RawExtension", "kubeProxyConfiguration": "RawExtension",
    },
    # network_types.go
    "NetworkConfig": {"plugin": "string", "kubePodsCIDR": "string", "kubeServiceCIDR": "string",
                      "calico": "CalicoCfg", "flannel": "FlannelCfg", "kubeovn": "KubeovnCfg"},
    "CalicoCfg": {"ipipMode": "string", "vxlanMode": "string", "vethMTU": "int"},
    "FlannelCfg": {"backendMode": "string", "directRouting": "bool"},
    "KubeovnCfg": {
        "joinCIDR": "string", "networkType": "string", "label": "string", "iface": "string",
        "vlanInterfaceName": "string", "vlanID": "string", "dpdkMode": "bool",
        "enableSSL": "bool", "enableMirror": "bool", "hwOffload": "bool",
        "dpdkVersion": "string", "pingerExternalAddress": "string",
        "pingerExternalDomain": "string",
    },
    # addons_types.go
    "Addon": {"name": "string", "namespace": "string", "sources": "Sources", "retries": "int",
              "delay": "int"},
    "Sources": {"chart": "Chart", "yaml": "Yaml"},
    "Chart": {"name": "string", "repo": "string", "path": "string", "version": "string",
              "valuesFile": "string", "values": "[]string"},
    "Yaml": {"path": "[]string"},
    "TypeMeta": V1ALPHA2["TypeMeta"],
    "ObjectMeta": V1ALPHA2["ObjectMeta"],
    "OwnerReference": V1ALPHA2["OwnerReference"],
}

# Where a v1alpha1 field went in kk v3 (moved keys are also found by their unique new path).
# imageRepo was the image namespace ("kubesphere", joined after privateRegistry: kk v1.0.1
# pkg/cluster/kubernetes/tmpl/kubeadm.go:174), which v3 calls registry.namespaceOverride.
V1ALPHA1_MOVED: dict[str, str] = {
    "spec.kubernetes.imageRepo": "spec.registry.namespaceOverride",
    "spec.kubernetes.etcdBackupDir": "spec.etcd.backupDir",
    "spec.kubernetes.etcdBackupPeriod": "spec.etcd.backupPeriod",
    "spec.kubernetes.keepBackupNumber": "spec.etcd.keepBackupNumber",
    "spec.kubernetes.etcdBackupScript": "spec.etcd.backupScript",
}

# Keys found in old blog and ks-installer style files that were never kk fields.
NEVER_KK: dict[str, str] = {
    "podNetworkCidr": "spec.network.kubePodsCIDR",
    "serviceNetworkCidr": "spec.network.kubeServiceCIDR",
}

# What to say about any unknown key under these (old kk v1.0 / ks-installer blocks).
BLOCK_HINTS: dict[str, str] = {
    "spec.storage": N_("kk v3's storage block has only `openebs: {basePath: ...}`; storage "
                       "classes are set up by KubeSphere's ClusterConfiguration or by hand"),
}

# Fields whose value is a secret: never echoed in a message.
SECRET_KEYS = frozenset({"password", "privateKey", "auths"})
