#!/usr/bin/env python3
"""Triage accuracy over the labelled corpus in tests/data/kklogs/ (issue #12).

For every ``*.log`` with a ``*.label.json`` beside it (``real/``: byte-exact pastes from public
kubekey threads, ``synthetic/``: real-shaped transcripts), run the triage engine exactly as
``kkui triage`` does and compare with the label:

- top-1 accuracy: the first finding is the labelled cause (``causes[0]``); a log labelled with
  no cause counts as right when there are no findings;
- precision: findings whose id is one of the labelled causes, over all findings;
- wrong advice: a log whose first finding is not a labelled cause, or any finding that
  gives ``--zone cn`` advice to a log labelled zone cn;
- outcome / module / task / hosts: exact agreement with the label;
- held out: logs labelled ``"heldout": true`` were added after the signatures were written and
  run once before any change: the honest figure for logs the signatures were not tuned on.

Run: ``.venv/bin/python bench/triage.py [--json] [--verbose]``; the exit code is 1 when top-1
accuracy is below 90 % or any wrong advice was given, so CI can hold the line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kkui.core.kk.triage import triage_text  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "kklogs"
GOAL = 0.90


def cases(root: Path = CORPUS) -> list[tuple[Path, dict]]:
    found = []
    for log in sorted(root.rglob("*.log")):
        label = log.with_name(log.name[:-4] + ".label.json")
        if label.exists():
            found.append((log, json.loads(label.read_text(encoding="utf-8"))))
    return found


def evaluate(root: Path = CORPUS) -> dict:
    rows = []
    started = time.perf_counter()
    for log, label in cases(root):
        report = triage_text(log.read_text(encoding="utf-8", errors="replace"),
                             zone=label.get("zone"))
        ids = [f.id for f in report.findings]
        causes = label["causes"]
        top1 = (ids[:1] == causes[:1]) if causes else not ids
        right = [i for i in ids if i in causes]
        zone_advice = label.get("zone") == "cn" and any("--zone cn" in f.fix or
                                                        "KKZONE=cn`" in f.fix
                                                        for f in report.findings)
        rows.append({
            "log": str(log.relative_to(root)), "top1": top1, "findings": ids,
            "heldout": bool(label.get("heldout")),
            "expected": causes, "right": len(right), "total": len(ids),
            "wrong_advice": bool((ids and ids[0] not in causes) or zone_advice),
            "outcome": report.outcome == label["outcome"],
            "module": report.failed_module == label["failed_module"],
            "task": report.failed_task == label["failed_task"],
            "hosts": report.failed_hosts == label["failed_hosts"],
            "got": {"outcome": report.outcome, "module": report.failed_module,
                    "task": report.failed_task, "hosts": report.failed_hosts},
        })
    elapsed = time.perf_counter() - started
    n = len(rows)
    total = sum(r["total"] for r in rows)
    return {
        "logs": n, "real": sum(r["log"].startswith("real/") for r in rows),
        "heldout": sum(r["heldout"] for r in rows),
        "heldout_top1": (sum(r["top1"] for r in rows if r["heldout"]) /
                         max(1, sum(r["heldout"] for r in rows))),
        "top1": sum(r["top1"] for r in rows) / n,
        "precision": (sum(r["right"] for r in rows) / total) if total else 1.0,
        "wrong_advice": [r["log"] for r in rows if r["wrong_advice"]],
        "missed": [r["log"] for r in rows if not r["top1"]],
        "outcome": sum(r["outcome"] for r in rows) / n,
        "module": sum(r["module"] for r in rows) / n,
        "task": sum(r["task"] for r in rows) / n,
        "hosts": sum(r["hosts"] for r in rows) / n,
        "ms_per_log": 1000 * elapsed / n, "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="every log's result")
    args = parser.parse_args()
    result = evaluate()
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))
    else:
        print(f"corpus: {result['logs']} logs ({result['real']} real pastes, "
              f"{result['heldout']} held out: added after the signatures were written)")
        print(f"top-1 accuracy: {result['top1']:.1%}   precision: {result['precision']:.1%}"
              f"   wrong advice: {len(result['wrong_advice'])}   held-out top-1: "
              f"{result['heldout_top1']:.1%}")
        print(f"outcome {result['outcome']:.1%} · module {result['module']:.1%} · task "
              f"{result['task']:.1%} · hosts {result['hosts']:.1%} · "
              f"{result['ms_per_log']:.2f} ms/log")
        for name in result["missed"]:
            row = next(r for r in result["rows"] if r["log"] == name)
            print(f"missed: {name}: got {row['findings']} expected {row['expected']}")
        for name in result["wrong_advice"]:
            print(f"wrong advice: {name}")
        if args.verbose:
            for row in result["rows"]:
                bad = [k for k in ("outcome", "module", "task", "hosts") if not row[k]]
                if bad:
                    print(f"  {row['log']}: {', '.join(bad)} differ: {row['got']}")
    ok = result["top1"] >= GOAL and not result["wrong_advice"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
