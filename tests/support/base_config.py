"""A small valid HA cluster config (three masters with etcd, one worker, kk's internal
haproxy) that validation tests edit one field of: the same base for the English rules
(tests/config/test_validate.py) and their Chinese rendering (test_validate_zh.py)."""

BASE = """\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: t
spec:
  hosts:
  - {name: m1, address: 10.0.0.1, internalAddress: 10.0.0.1, privateKeyPath: ~/.ssh/k}
  - {name: m2, address: 10.0.0.2, internalAddress: 10.0.0.2, privateKeyPath: ~/.ssh/k}
  - {name: m3, address: 10.0.0.3, internalAddress: 10.0.0.3, privateKeyPath: ~/.ssh/k}
  - {name: w1, address: 10.0.0.4, internalAddress: 10.0.0.4, privateKeyPath: ~/.ssh/k}
  roleGroups:
    etcd: [m1, m2, m3]
    control-plane: [m1, m2, m3]
    worker: [w1]
  controlPlaneEndpoint:
    internalLoadbalancer: haproxy
    domain: lb.kubesphere.local
    address: ""
    port: 6443
  kubernetes:
    version: v1.28.15
    containerManager: containerd
  etcd:
    type: kubekey
  network:
    plugin: calico
    kubePodsCIDR: 10.233.64.0/18
    kubeServiceCIDR: 10.233.0.0/18
"""
