"""`--json` never changes with the language (issue #16): every command with `--json` that can
run here (no host answers: the configs point at 127.0.0.x port 1, where nothing listens, so
the SSH commands report their connection errors) gives the same bytes under
LANG=zh_CN.UTF-8 and LANG=C.UTF-8, including the messages inside the JSON (validation
problems, SSH errors, triage findings), which the core builds as L_ messages: English text
that only the terminal output shows translated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.zh_cluster import BROKEN, EN, REFUSED, ZH, kkui

ROOT = Path(__file__).resolve().parents[2]
KK_LOGS = sorted((ROOT / "tests" / "data" / "kklogs").rglob("*.log"))


COMMANDS = {
    "validate-errors": ["validate", "-f", "broken.yaml", "--json"],
    "validate-unreadable": ["validate", "-f", "missing.yaml", "--json"],
    "export-config-errors": ["export-config", "-f", "broken.yaml", "-o", "out.yaml", "--json"],
    "export-config-written": ["export-config", "-f", "refused.yaml", "-o", "out.yaml",
                              "--force", "--json"],
    "precheck": ["precheck", "-f", "refused.yaml", "--json"],
    "verify": ["verify", "-f", "refused.yaml", "--json"],
    "lb-status": ["lb", "status", "-f", "refused.yaml", "--json"],
    "certs": ["certs", "-f", "refused.yaml", "--json"],
    "install-plan": ["install", "-f", "refused.yaml", "--plan", "--json"],
    "delete-scan-only": ["delete", "-f", "refused.yaml", "--scan-only", "--json"],
    "history-after-runs": ["history", "--json"],
    "history-show": ["history", "show", "1", "--json"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_json_bytes_are_the_same_in_chinese_and_english(name: str, tmp_path: Path) -> None:
    (tmp_path / "refused.yaml").write_text(REFUSED)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    args = COMMANDS[name]
    if name.startswith("history-"):  # a history with a recorded (failed) verify in it
        kkui(["verify", "-f", "refused.yaml", "--json"], EN, tmp_path)
    english = kkui(args, EN, tmp_path)
    assert english.stdout.strip(), english.stderr
    data = json.loads(english.stdout)
    chinese = kkui(args, ZH, tmp_path)
    assert chinese.stdout == english.stdout
    assert chinese.returncode == english.returncode
    if name == "validate-errors":  # the messages are in the JSON, in English
        messages = " ".join(p["message"] for p in data["problems"])
        assert "ghost" in messages and data["errors"] >= 2
    if name in ("precheck", "lb-status"):
        assert "connection refused" in english.stdout
    # and the terminal output of the same command really is translated (not a no-op test)
    if name == "validate-errors":
        shown = kkui(args[:-1], ZH, tmp_path).stdout
        assert "错误: " in shown and "个错误" in shown


def test_triage_json_is_the_same_in_both_languages_for_every_bundled_log(
        capsys: pytest.CaptureFixture[str]) -> None:
    """In-process (the same `kkui.cli.main` the command runs) over all of tests/data/kklogs:
    cause and fix texts of every finding stay English in --json."""
    from kkui import cli, i18n

    assert len(KK_LOGS) > 20
    try:
        for log in KK_LOGS:
            outputs = []
            for language in ("en", "zh"):
                assert cli.main(["--lang", language, "triage", str(log), "--json"]) == 0
                outputs.append(capsys.readouterr().out)
            assert outputs[1] == outputs[0], log.name
            json.loads(outputs[0])
    finally:
        i18n.set_language("en")
