#!/usr/bin/env python3
"""`kkui verify` and `kkui drill master` against the loopback cluster lab (root: real sshd,
a real 3-member etcd, real kubectl/etcdctl, HAProxy, DNS): wall time per run.

    .venv/bin/python bench/verify.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from support.clusterlab import ClusterLab  # noqa: E402
from support.sshlab import SshLab  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kkui-bench-verify-"))
    os.chmod(work, 0o755)
    env = dict(os.environ, KKUI_KNOWN_HOSTS=str(work / "kh"),
               KKUI_USER_KNOWN_HOSTS=str(work / "ukh"), KKUI_DB=str(work / "kkui.db"),
               NO_COLOR="1", PYTHONPATH=str(REPO))
    ssh = SshLab()
    lab = ClusterLab(ssh, work / "lab")
    try:
        started = time.monotonic()
        lab.start()
        print(f"lab up in {time.monotonic() - started:.1f} s "
              f"({len(lab.master_names)} masters with etcd, {len(lab.worker_names)} worker)")
        config = lab.write_config(work / "config-sample.yaml")
        times = []
        for _ in range(args.runs):
            started = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "kkui", "verify", "-f", str(config),
                                   "--json"], capture_output=True, text=True, env=env,
                                  check=False)
            times.append(time.monotonic() - started)
            assert proc.returncode == 0, proc.stdout + proc.stderr
        print(f"kkui verify (27 checks, 4 hosts), whole process: median "
              f"{statistics.median(times):.2f} s, best {min(times):.2f} s ({args.runs} runs)")
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "kkui", "drill", "master", "-f",
                               str(config), "--yes", "--hold", "5"], capture_output=True,
                              text=True, env=env, check=False)
        print(f"kkui drill master --hold 5: {time.monotonic() - started:.1f} s, exit "
              f"{proc.returncode} (verify before + baseline + hold + restore + recovery + "
              "verify after)")
    finally:
        lab.stop()
        ssh.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
