#!/usr/bin/env python3
"""Throughput of kk output handling: parse + redact + tee, beside `cat` of the same file.

Builds a 200k-line transcript from tests/support/kk_transcripts (kk v3.1.12 shapes, with a
password sprinkled in), then measures in the same run:
  cat      `cat FILE > /dev/null` (the floor: just moving bytes)
  core     bytes -> incremental UTF-8 decode -> KkOutputParser(redact) -> LogTee
  process  the same through KkProcess, with `cat FILE` standing in for kk (pipes, select,
           events to a no-op callback, tee)
Target: >= 50k lines/s.  Usage: .venv/bin/python bench/stream.py [--lines N]
"""

from __future__ import annotations

import argparse
import codecs
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kkui.core.kk.events import RawLine  # noqa: E402
from kkui.core.kk.parser import KkOutputParser  # noqa: E402
from kkui.core.kk.process import KkProcess, LogTee  # noqa: E402
from kkui.core.kk.redact import Redactor  # noqa: E402

SECRET = "S3cret-Passw0rd"
TARGET = 50_000


def build_transcript(path: Path, lines: int) -> int:
    source = []
    for name in ("success", "etcd-failure"):
        for raw in (ROOT / "tests/support/kk_transcripts" / f"{name}.txt").read_text().splitlines():
            kind, _, text = raw.partition(" ")
            if kind in ("E", "O"):
                source.append(text.replace("{T}", "10:53:02 CST"))
    source.append(f"sshpass -p '{SECRET}' ssh ubuntu@节点1 true")
    out = []
    while len(out) < lines:
        out.extend(source)
    data = "\n".join(out[:lines]) + "\n"
    path.write_text(data, encoding="utf-8")
    return len(data.encode())


def bench_cat(path: Path) -> float:
    start = time.perf_counter()
    with open("/dev/null", "wb") as null:
        subprocess.run(["cat", str(path)], stdout=null, check=True)
    return time.perf_counter() - start


def bench_core(path: Path, log: Path) -> tuple[float, int]:
    start = time.perf_counter()
    tee = LogTee(log)  # the parser tees each redacted raw line, as KkProcess has it do
    parser = KkOutputParser(redact=Redactor([SECRET, "Qcloud@123"]), tee=tee.write)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(65536):
            for event in parser.feed("stderr", decoder.decode(chunk)):
                if isinstance(event, RawLine):
                    count += 1
    for event in parser.flush():
        if isinstance(event, RawLine):
            count += 1
    tee.close()
    return time.perf_counter() - start, count


def bench_process(path: Path, workdir: Path, log: Path) -> tuple[float, int]:
    count = 0

    def on_event(event: object) -> None:
        nonlocal count
        if isinstance(event, RawLine):
            count += 1

    start = time.perf_counter()
    KkProcess(["cat", str(path)], workdir=workdir, on_event=on_event,
              secrets=[SECRET, "Qcloud@123"], log_path=log).run()
    return time.perf_counter() - start, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        transcript = tmpdir / "transcript.txt"
        size = build_transcript(transcript, args.lines)
        cat = bench_cat(transcript)
        core, core_lines = bench_core(transcript, tmpdir / "core.log")
        proc, proc_lines = bench_process(transcript, tmpdir, tmpdir / "proc.log")
        leaked = SECRET in (tmpdir / "core.log").read_text() + (tmpdir / "proc.log").read_text()
    print(f"transcript: {args.lines} lines, {size / 1e6:.1f} MB")
    print(f"cat > /dev/null          {cat:7.3f} s  {args.lines / cat:>12,.0f} lines/s")
    print(f"parse+redact+tee (core)  {core:7.3f} s  {core_lines / core:>12,.0f} lines/s")
    print(f"KkProcess (cat as kk)    {proc:7.3f} s  {proc_lines / proc:>12,.0f} lines/s")
    ok = core_lines == proc_lines == args.lines and not leaked
    worst = min(core_lines / core, proc_lines / proc)
    print(f"target >= {TARGET:,} lines/s: {'met' if worst >= TARGET else 'MISSED'}"
          f"{'' if ok else '  (ERROR: line count mismatch or secret leaked)'}")
    return 0 if ok and worst >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
