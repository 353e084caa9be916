"""Table cells in Chinese wrap between characters and at spaces, never inside a value they
quote (rich alone folds a run of Chinese without spaces by columns: `v1.33.` / `4`)."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text

from kkui.commands.console import add_row, table
from kkui.i18n.width import break_offsets, cells

MESSAGE = "不支持的版本v1.33.4：kk v3.1.12 只支持到 v1.31，请改为受支持的版本号并重新运行校验"


def _render(width: int, *rows: list[Text | str]) -> list[str]:
    con = Console(width=width, record=True, color_system=None)
    grid = table("severity", "field", "problem")
    for row in rows:
        add_row(grid, row)
    con.print(grid)
    return con.export_text().splitlines()


@pytest.mark.parametrize("width", [40, 50, 64, 80])
def test_a_chinese_cell_keeps_its_values_whole_and_fits(width: int) -> None:
    lines = _render(width, ["错误", "spec.kubernetes.version", MESSAGE])
    text = "\n".join(lines)
    for value in ("v1.33.4", "v3.1.12", "v1.31"):
        assert value in text, (value, text)
    assert all(cells(line) <= width for line in lines), text
    joined = "".join("".join(line.split()[-1:]) for line in lines[2:])
    assert "重新运行校验" in joined  # nothing dropped at the end


def test_english_cells_wrap_exactly_as_rich_does() -> None:
    from rich import box
    from rich.table import Table

    row = ["error", "spec.x", "an english message with a long-value-that-is-long and more"]
    ours = _render(40, row)
    con = Console(width=40, record=True, color_system=None)
    plain = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header in ("severity", "field", "problem"):
        plain.add_column(header, overflow="fold")
    plain.add_row(*row)
    con.print(plain)
    assert ours == con.export_text().splitlines()


def test_styles_survive_the_chinese_wrap() -> None:
    cell = Text("失败" * 20)
    cell.stylize("red", 0, 4)
    con = Console(width=30, record=True, color_system="standard", force_terminal=True)
    grid = table("status", "detail")
    add_row(grid, ["x", cell])
    con.print(grid)
    assert "\x1b[31m失败失败\x1b[0m" in con.export_text(styles=True)


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("abc def", 4, [4]),
    ("中文中文", 4, [2]),
    ("版本v1.33.4：好", 8, [2, 9]),
    ("averyveryverylongword", 8, [8, 16]),
])
def test_break_offsets(text: str, width: int, expected: list[int]) -> None:
    assert break_offsets(text, width) == expected
