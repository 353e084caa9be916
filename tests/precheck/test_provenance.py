"""Evidence says what it is: every gather output under recorded/ is labelled, and a recording
is byte for byte what its provenance sidecar describes (tests/precheck/recorded/PROVENANCE.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest

RECORDED = Path(__file__).parent / "recorded"
PROVENANCE = (RECORDED / "PROVENANCE.md").read_text()
OUTPUTS = sorted(RECORDED.glob("*.txt"))


def section(title: str) -> str:
    return PROVENANCE.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("output", OUTPUTS, ids=[p.name for p in OUTPUTS])
def test_every_output_is_labelled_recorded_or_reconstructed(output: Path) -> None:
    recorded = f"`{output.name}`" in section("Recorded")
    reconstructed = f"`{output.name}`" in section("Reconstructed")
    assert recorded != reconstructed, f"{output.name} must be listed exactly once"
    assert recorded == output.with_suffix(".json").exists()


@pytest.mark.parametrize("sidecar", sorted(RECORDED.glob("*.json")),
                         ids=lambda p: p.name)
def test_a_recording_is_what_its_sidecar_says(sidecar: Path) -> None:
    meta = json.loads(sidecar.read_text())
    output = RECORDED / meta["output"]
    data = output.read_bytes()
    assert meta["kind"] == "recorded"
    assert hashlib.sha256(data).hexdigest() == meta["sha256"], "edited after recording"
    assert {"recorded_at", "how", "where", "kkui_commit"} <= set(meta)
    assert {"suite", "mirror", "version", "bash"} <= set(meta["debootstrap"])
    # bash 5's $EPOCHREALTIME: seconds with exactly 6 decimals, from the recording day
    stamp = data.decode().split("@@kkui time\n", 1)[1].split("\n", 1)[0]
    assert re.fullmatch(r"\d{10}\.\d{6}", stamp), stamp
    day = dt.datetime.fromtimestamp(float(stamp), dt.UTC).date().isoformat()
    assert meta["recorded_at"].startswith(day)
    assert data.endswith(b"@@kkui end\n")
