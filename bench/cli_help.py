"""`kkui --help` and `kkui <cmd> --help` against a bare interpreter start (issue #11: target ≤ 5×).

Each command runs RUNS times as a fresh process (`python -m kkui ...`, the same interpreter and
environment as the `kkui` entry point); the table gives the median and the best wall time, and
the median as a multiple of `python -c pass`. Run: .venv/bin/python bench/cli_help.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("RUNS", "21"))
CASES = [
    ("bare interpreter (python -c pass)", ["-c", "pass"]),
    ("kkui --help", ["-m", "kkui", "--help"]),
    ("kkui install --help", ["-m", "kkui", "install", "--help"]),
    ("kkui precheck --help", ["-m", "kkui", "precheck", "--help"]),
    ("kkui tui --help", ["-m", "kkui", "tui", "--help"]),
    ("kkui --version", ["-m", "kkui", "--version"]),
]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(ROOT)


def timed(args: list[str]) -> float:
    env = ENV
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    # an installed kkui has its bytecode compiled (pip does it): measure that, not compiling
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kkui")], env=ENV,
                   check=True)
    results = {}
    for _ in range(RUNS):  # interleaved, so load on the machine hits every case alike
        for label, args in CASES:
            results.setdefault(label, []).append(timed(args))
    bare = statistics.median(results[CASES[0][0]])
    print(f"{RUNS} runs each, {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print("| command | median (ms) | best (ms) | median ÷ bare |")
    print("| --- | ---: | ---: | ---: |")
    for label, times in results.items():
        med = statistics.median(times)
        print(f"| {label} | {med * 1000:.0f} | {min(times) * 1000:.0f} | {med / bare:.1f}× |")


if __name__ == "__main__":
    main()
