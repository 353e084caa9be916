"""A 100k-line kk transcript streamed through the Install screen, headless.

Run: .venv/bin/python bench/tui_log.py [--lines 100000] [--max-lines 5000]

The real path end to end: the fake kk (tests/support/fake_kk.py, a subprocess) prints the
transcript as fast as it can; kkui's runner parses it in the install worker, batches the
events and the screen writes them to its capped ``Log``.  While that streams, the bench
presses keys (scroll up / follow) and times each one until the app has handled it.
Reports: ingest time (kk start -> last event shown), worst and median key-press latency,
peak RSS growth, and the lines the ``Log`` widget keeps (bounded by --max-lines).
Targets (issue 5): ingest < 3 s, key presses < 100 ms, memory bounded by max_lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
FAKE_KK = REPO / "tests" / "support" / "fake_kk.py"
CONFIG = """\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {name: bench}
spec:
  hosts:
  - {name: node1, address: 127.0.0.1, internalAddress: 127.0.0.1, user: root}
  - {name: node2, address: 127.0.0.2, internalAddress: 127.0.0.2, user: root}
  - {name: node3, address: 127.0.0.3, internalAddress: 127.0.0.3, user: root}
  roleGroups:
    etcd: [node1, node2, node3]
    control-plane: [node1, node2, node3]
    worker: [node1, node2, node3]
  controlPlaneEndpoint:
    {internalLoadbalancer: haproxy, domain: lb.kubesphere.local, address: "", port: 6443}
  kubernetes: {version: v1.28.15, containerManager: containerd}
"""
MODULES = ("GreetingsModule", "NodeBinariesModule", "ConfigureOSModule",
           "InstallContainerModule", "PullModule", "ETCDConfigureModule",
           "InstallKubeBinariesModule", "InitKubernetesModule", "JoinNodesModule",
           "DeployNetworkPluginModule", "AddonsModule")


def make_transcript(path: Path, lines: int) -> None:
    """kk-shaped output: tasks, per-host results and multi-line message bodies."""
    out: list[str] = []
    per_module = max(lines // len(MODULES), 1)
    for module in MODULES:
        out.append(f"E {{T}} [{module}] working")
        while len(out) % per_module and len(out) < lines - 2:
            n = len(out)
            if n % 10 == 0:
                out.append(f"E {{T}} message: [node{n % 3 + 1}]")
            elif n % 10 == 5:
                out.append(f"E {{T}} success: [node{n % 3 + 1}]")
            else:
                out.append(f"E line {n}: pulling layer sha256:{n:064x} 12.3MiB/45.6MiB")
        if len(out) >= lines - 2:
            break
    out.append("E {T} Pipeline[CreateClusterPipeline] execute successfully")
    out.append("O Installation is complete.")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)


async def bench(lines: int, max_lines: int) -> dict[str, float]:
    from textual import events

    from kkui.core.config import ClusterDocument
    from kkui.tui.app import KkuiApp
    from kkui.tui.screens.install import InstallScreen
    from kkui.tui.widgets.log_pane import LogPane

    work = Path(tempfile.mkdtemp(prefix="kkui-bench-"))
    transcript = work / "transcript.txt"
    make_transcript(transcript, lines)
    os.environ.update(FAKE_KK_TRANSCRIPT=str(transcript), FAKE_KK_SPEED="0")
    app = KkuiApp(ClusterDocument.from_text(CONFIG), workdir=work / "kk", kk_binary=FAKE_KK,
                  skip_precheck=True)  # the bench measures the log pane, not the precheck
    latencies: list[float] = []
    sampler = RssSampler()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InstallScreen)
        screen.query_one(LogPane).log_widget.max_lines = max_lines
        await pilot.press("i")
        await pilot.pause()
        sampler.start()
        started = time.perf_counter()
        await pilot.press("y")
        pane = screen.query_one(LogPane)
        handled = asyncio.Event()
        log = pane.log_widget
        for owner, name in ((log, "action_scroll_up"), (pane, "action_follow")):
            original = getattr(owner, name)

            def wrapped(original=original) -> None:  # type: ignore[no-untyped-def]
                original()
                handled.set()

            setattr(owner, name, wrapped)
        keys = ("up", "end")
        index = 0
        while not screen.outcome:
            # A key as the terminal driver delivers it; timed until its action has run.
            handled.clear()
            event = events.Key(keys[index % 2], None)
            event.set_sender(app)
            t0 = time.perf_counter()
            app._driver.send_message(event)  # type: ignore[union-attr]  # noqa: SLF001
            await asyncio.wait_for(handled.wait(), 30)
            latencies.append(time.perf_counter() - t0)
            index += 1
            await asyncio.sleep(0.05)
            if time.perf_counter() - started > 60:
                raise SystemExit("no end after 60 s")
        ingest = time.perf_counter() - started
        await app.workers.wait_for_complete()
        sampler.stop.set()
        kept = len(pane.log_widget.lines)
        total = pane.total_lines
    return {"lines": lines, "shown_total": total, "kept": kept, "max_lines": max_lines,
            "ingest_s": ingest, "keys": len(latencies),
            "key_worst_ms": max(latencies) * 1000,
            "key_median_ms": statistics.median(latencies) * 1000,
            "rss_growth_mib": (sampler.peak - sampler.baseline) / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--max-lines", type=int, default=5000)
    args = parser.parse_args()
    result = asyncio.run(bench(args.lines, args.max_lines))
    print(f"{result['lines']} kk lines ({result['shown_total']} reached the log pane, "
          f"{result['kept']} kept, max_lines {result['max_lines']})")
    print(f"ingest: {result['ingest_s']:.2f} s   (target < 3 s)")
    print(f"key presses while streaming: {result['keys']}, worst "
          f"{result['key_worst_ms']:.0f} ms, median {result['key_median_ms']:.0f} ms "
          "(target < 100 ms)")
    print(f"peak RSS growth: {result['rss_growth_mib']:.1f} MiB")
    ok = result["ingest_s"] < 3 and result["key_worst_ms"] < 100 and \
        result["kept"] <= result["max_lines"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
