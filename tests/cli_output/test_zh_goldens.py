"""The CLI's views in Chinese at 80 columns (issues #16, #17): the precheck table, problems and
summary, and the install status line and summary panel. rich measures CJK as two columns, so
the tables still fit 80 columns; kk's words, check ids, commands and paths stay as they are.

Regenerate: ``KKUI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/cli_output``.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cli_output.scenes import SCENES
from rich.cells import cell_len

from kkui.commands import console as console_mod
from kkui.i18n import set_language

if TYPE_CHECKING:
    from rich.console import Console

GOLDEN = Path(__file__).parent / "golden"
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("en")


def install_failed(con: Console) -> None:
    """The summary panel of a failed install as the core words it: L_ messages and a hint
    from the triage signatures (kk's own lines stay English)."""
    from cli_output.scenes import ESCAPE, MARKUP

    from kkui.commands._install_console import summary_panel
    from kkui.core.install.summary import InstallSummary
    from kkui.core.kk.hints import hint_of
    from kkui.core.kk.triage.signatures import SIGNATURES
    from kkui.i18n import L_

    where = L_("stage {stage}/{total} {title}", stage=8, total=14, title=L_("etcd"))
    con.print(summary_panel(InstallSummary(
        "failed", L_("kk failed (exit {code}) after {elapsed} in {module} ({where})", code=1,
                     elapsed="03:12", module="ETCDConfigureModule", where=where),
        details=("node2: ETCDConfigureModule: " + MARKUP + ESCAPE,),
        hints=(hint_of(SIGNATURES[0]),), log="/work/logs/install.log",
        kk_log="/work/kubekey/logs/kubekey.log")))


ZH_SCENES = {"precheck": SCENES["precheck"], "install-failed": install_failed,
             "kk-status": SCENES["kk-status"], "verify": SCENES["verify"]}


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("scene", sorted(ZH_SCENES))
def test_zh_golden_at_80_columns(scene: str, colour: bool) -> None:
    con = console_mod.console(io.StringIO(), width=80, color=colour, record=True)
    ZH_SCENES[scene](con)
    got = con.export_text(styles=colour)
    path = GOLDEN / f"zh-{scene}-80-{'colour' if colour else 'plain'}.txt"
    if os.environ.get("KKUI_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs"
    visible = SGR.sub("", got)
    assert all(cell_len(ln) <= 80 for ln in visible.splitlines()), "wider than 80 columns"
    assert re.search(r"[\u4e00-\u9fff]", visible), "not translated"


def test_zh_precheck_keeps_ids_and_commands() -> None:
    con = console_mod.console(io.StringIO(), width=80, color=False, record=True)
    SCENES["precheck"](con)
    text = con.export_text()
    assert "主机" in text.splitlines()[0] and "通过" in text.splitlines()[0]  # the headers
    assert "socat" in text and "sudo apt-get install -y socat" in text  # ids and commands
    assert "问题" in text or "Problems" not in text
    assert "[red]red?[/red]" in text  # untrusted text still literal in Chinese
