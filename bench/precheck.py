"""Benchmark: `kkui precheck` on 1, 10 and 50 loopback sshd hosts.

Compares, on the same hosts and in one run:
  * kkui's engine (all hosts in parallel) and the `kkui precheck --json` command (a new
    process, so Python start-up included);
  * the same checks host after host (the engine with one worker);
  * Ansible ad-hoc running the same gather script (`ansible all -m shell -f 50`).

Needs root (it starts sshd via tests/support/sshlab.py) and, for the Ansible column,
`pip install ansible-core` in the venv (a bench-only dependency).

    .venv/bin/python bench/precheck.py [--sizes 1,10,50] [--repeat 3] [--markdown OUT]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.sshlab import SshLab, lab_unavailable_reason  # noqa: E402

from kkui.core.config import ClusterDocument, ClusterModel  # noqa: E402
from kkui.core.precheck import run_precheck  # noqa: E402
from kkui.core.precheck.gather import build_script  # noqa: E402
from kkui.core.ssh import KnownHosts  # noqa: E402


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ansible_bin() -> str | None:
    local = Path(sys.executable).with_name("ansible")
    return str(local) if local.exists() else shutil.which("ansible")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,50")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", metavar="OUT", help="also write the table here")
    args = parser.parse_args()
    reason = lab_unavailable_reason()
    if reason:
        print(f"skipped: {reason}", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="kkui-bench-"))
    lab = SshLab()
    try:
        hosts = lab.add_hosts([f"n{i:02d}" for i in range(1, max(sizes) + 1)])
        known = KnownHosts(work / "known_hosts", work / "user_known_hosts")
        env = dict(os.environ, KKUI_KNOWN_HOSTS=str(work / "known_hosts"),
                   KKUI_USER_KNOWN_HOSTS=str(work / "user_known_hosts"))
        script = work / "gather.sh"
        script.write_text(build_script(have_password=False))
        os.chmod(work, 0o755)
        os.chmod(script, 0o644)
        ansible = ansible_bin()
        rows = []
        for n in sizes:
            subset = hosts[:n]
            cfg = lab.write_config(work / f"config-{n}.yaml", subset)
            model = ClusterDocument.load(cfg).model()
            run_precheck(model, known_hosts=known)  # warm-up; records the host keys
            report = run_precheck(model, known_hosts=known)
            assert report.ok and len(report.hosts) == n, report.summary
            def engine(m: ClusterModel = model, workers: int = 64) -> None:
                run_precheck(m, known_hosts=known, max_workers=workers)

            def command(c: Path = cfg) -> None:
                subprocess.run([sys.executable, "-m", "kkui", "precheck", "-f", str(c),
                                "--json"], cwd=ROOT, env=env, capture_output=True, check=True)

            parallel = median_time(engine, args.repeat)
            cli = median_time(command, args.repeat)
            serial = median_time(lambda: engine(workers=1), args.repeat)
            ans = float("nan")
            if ansible:
                inventory = work / f"inventory-{n}.ini"
                inventory.write_text("".join(
                    f"{h.name} ansible_host={h.address} ansible_port={h.port} "
                    f"ansible_user={lab.user} ansible_ssh_private_key_file={lab.key_path} "
                    "ansible_python_interpreter=/usr/bin/python3\n" for h in subset))

                def run_ansible(inv: Path = inventory) -> None:
                    cp_dir = tempfile.mkdtemp(prefix="kkui-bench-cp-", dir=work)
                    aenv = dict(env, ANSIBLE_HOST_KEY_CHECKING="False",
                                ANSIBLE_SSH_CONTROL_PATH_DIR=cp_dir,
                                ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"))
                    subprocess.run([ansible, "all", "-i", str(inv), "-m", "shell", "-a",
                                    f"/bin/bash {script}", "-f", "50"], env=aenv,
                                   capture_output=True, check=True)

                ans = median_time(run_ansible, args.repeat)
            rows.append((n, parallel, cli, serial, ans))
            print(f"{n:>3} hosts: engine {parallel:.3f} s, command {cli:.3f} s, "
                  f"host-after-host {serial:.3f} s, ansible {ans:.3f} s", file=sys.stderr)
        table = render(rows)
        print(table)
        if args.markdown:
            Path(args.markdown).write_text(table)
    finally:
        lab.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def render(rows: list[tuple[int, float, float, float, float]]) -> str:
    lines = ["| hosts | kkui engine (parallel) | `kkui precheck --json` (new process) | "
             "same checks host after host | `ansible all -m shell -f 50` | Ansible ÷ kkui |",
             "|---:|---:|---:|---:|---:|---:|"]
    for n, par, cli, ser, ans in rows:
        lines.append(f"| {n} | {par:.2f} s | {cli:.2f} s | {ser:.2f} s | {ans:.2f} s | "
                     f"{ans / cli:.1f}× |")
    base_par = rows[0][1]
    base_cli = rows[0][2]
    last = rows[-1]
    lines.append("")
    lines.append(f"{last[0]} hosts vs 1 host: engine {last[1] / base_par:.1f}×, command "
                 f"{last[2] / base_cli:.1f}× (target ≤ 2×).")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
