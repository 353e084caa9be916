"""Day-2 operations after the install (issue #15): certificates, etcd snapshots, cluster delete."""
