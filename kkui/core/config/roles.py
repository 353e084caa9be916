"""kk's role group names (kk: cmd/kk/apis/kubekey/v1alpha2/cluster_types.go, role groups).

A leaf module: what needs only the names (the precheck registry, printed by `kkui precheck
--help`) does not pay for importing the whole model (issue #11: help imports only what it
needs)."""

ROLE_ETCD = "etcd"
ROLE_CONTROL_PLANE = "control-plane"
ROLE_WORKER = "worker"
ROLES: tuple[str, ...] = (ROLE_ETCD, ROLE_CONTROL_PLANE, ROLE_WORKER)
