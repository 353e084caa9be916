"""Load + edit + save of a 500-host config (issue: the cluster document).

Run: .venv/bin/python bench/config_bench.py [--hosts 500] [--repeat 5]
Prints the median and best wall time of each phase; figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from kkui.core.config import ClusterDocument

TRAILING = " "  # kk writes `control-plane: ` with a trailing space


def make_config(hosts: int) -> str:
    rows = "\n".join(
        f"  - {{name: node{i}, address: 10.{i // 60000}.{i // 250 % 240}.{i % 250 + 1}, "
        f"internalAddress: 10.{i // 60000}.{i // 250 % 240}.{i % 250 + 1}, user: root, "
        f'password: "pw{i}"}}  # rack {i // 40}'
        for i in range(1, hosts + 1))
    return f"""
# generated {hosts}-host config
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: big
spec:
  hosts:
{rows}
  roleGroups:
    etcd:
    - node[1:3]
    control-plane: {TRAILING}
    - node[1:3]
    worker:
    - node[4:{hosts}]
  controlPlaneEndpoint:
    ## Internal loadbalancer for apiservers {TRAILING}
    internalLoadbalancer: haproxy

    domain: lb.kubesphere.local
    address: ""
    port: 6443
  kubernetes:
    version: v1.28.15
    containerManager: containerd
  network:
    plugin: calico
    kubePodsCIDR: 10.233.64.0/18
    kubeServiceCIDR: 10.233.0.0/18


"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"load": [], "edit": [], "save": [], "validate": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        for _ in range(args.repeat):
            path.write_text(make_config(args.hosts))
            t0 = time.perf_counter()
            doc = ClusterDocument.load(path)
            t1 = time.perf_counter()
            doc.add_host({"name": "extra1", "address": "10.200.0.1", "user": "root"})
            doc.set_roles("extra1", ["worker"])
            doc.update_host(f"node{args.hosts // 2}", user="admin")
            doc.remove_host("node7")
            doc.set("spec.kubernetes.version", "v1.29.15")
            t2 = time.perf_counter()
            doc.save()
            t3 = time.perf_counter()
            doc.validate()
            t4 = time.perf_counter()
            for key, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                times[key].append(value)
    total = [sum(x) for x in zip(times["load"], times["edit"], times["save"], strict=True)]
    print(f"{args.hosts} hosts, {args.repeat} runs (median / best, ms)")
    for key, values in {**times, "load+edit+save": total}.items():
        print(f"  {key:<15} {statistics.median(values) * 1000:8.1f} / {min(values) * 1000:8.1f}")


if __name__ == "__main__":
    main()
