"""The CLI's one way to write to the terminal (issue #17): rich consoles for stdout (results)
and stderr (progress), styled text, tables and panels.

Rules kept here so no command has to remember them:

- colour only on a terminal, never with ``NO_COLOR`` (any value, no-color.org) or
  ``TERM=dumb``; a pipe gets no escape code at all (``color_system=None``) and lines as wide
  as their text (no wrapping: ``grep`` sees one line per row);
- redrawing in place (Live regions, progress bars) on any terminal but ``TERM=dumb``:
  ``NO_COLOR`` removes colour only, so a NO_COLOR terminal still gets the live status line
  and tables, drawn with cursor moves and no colour code;
- markup is off on every console: a string is always printed literally, and untrusted text
  (kk output, host output, file contents, user values) goes through :func:`untrusted`, i.e.
  :func:`kkui.core.sanitize.for_display` then a plain ``Text`` -- a ``[bold]`` from a host is
  shown as ``[bold]``, an escape sequence is dropped;
- the terminal's width is rich's (``COLUMNS`` or the tty); tests pass ``width=`` and
  ``record=True`` for golden outputs.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from kkui.core.sanitize import for_display

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table
    from rich.text import Text

# a pipe is as wide as its longest line: rows stay whole for grep
PIPE_WIDTH = 10_000

# one colour per status word, shared by every command
STATUS_STYLE = {"pass": "green", "ok": "green", "up": "green", "done": "green",
                "succeeded": "green", "clean": "green", "valid": "green",
                "warn": "yellow", "warning": "yellow", "cancelled": "yellow", "left": "yellow",
                "unknown": "yellow", "skip": "dim", "skipped": "dim",
                "fail": "red", "failed": "red", "error": "red", "down": "red",
                "expired": "red", "running": "cyan"}


def wants_color(stream: IO[str] | None = None) -> bool:
    """Colour on this stream: a terminal, no ``NO_COLOR``, no ``TERM=dumb``."""
    stream = sys.stdout if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def is_live(stream: IO[str] | None = None) -> bool:
    """Redraw in place (Live regions, progress bars): a terminal that is not ``TERM=dumb``
    (``NO_COLOR`` only takes the colour away); pipes and dumb terminals get plain lines."""
    stream = sys.stdout if stream is None else stream
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def console(stream: IO[str] | None = None, *, width: int | None = None,
            color: bool | None = None, record: bool = False) -> Console:
    """A rich Console on ``stream`` (default: the sys.stdout of now) following the rules in
    the module docstring; ``width``/``color``/``record`` override them (golden tests)."""
    from rich.console import Console

    stream = sys.stdout if stream is None else stream
    color = wants_color(stream) if color is None else color
    # a terminal without colour (NO_COLOR) still gets cursor moves: rich writes control
    # segments on a terminal whatever its colour system (Console._render_buffer)
    terminal = color or is_live(stream)
    if width is None and not _isatty(stream):
        width = PIPE_WIDTH
    return Console(file=stream, width=width, color_system="standard" if color else None,
                   force_terminal=True if terminal else None, markup=False, emoji=False,
                   highlight=False, record=record, soft_wrap=False,
                   legacy_windows=False, no_color=not color,
                   force_interactive=None if terminal else False)


def out() -> Console:
    """Results: stdout."""
    return console(sys.stdout)


def err() -> Console:
    """Progress and notes: stderr."""
    return console(sys.stderr)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# -- text -----------------------------------------------------------------------------------

def untrusted(text: str, style: str = "", *, newlines: bool = True) -> Text:
    """Text from hosts, kk, files or users: control sequences dropped, never markup."""
    from rich.text import Text

    return Text(for_display(text, newlines=newlines), style=style)


def styled(text: str, style: str) -> Text:
    """kkui's own words in a style (the words may embed untrusted values: they are cleaned)."""
    return untrusted(text, style)


def status_text(word: str, *, pad: int = 0, upper: bool = False) -> Text:
    """A status word (pass, FAIL, up ...) in its colour, padded to ``pad`` columns."""
    shown = word.upper() if upper else word
    return styled(f"{shown:<{pad}}", STATUS_STYLE.get(word.lower(), ""))


def join(*parts: Text | str) -> Text:
    """One Text from pieces; plain strings are untrusted (cleaned, literal)."""
    from rich.text import Text

    line = Text()
    for part in parts:
        line.append_text(part if isinstance(part, Text) else untrusted(part))
    return line


def paint(text: str, style: str, stream: IO[str] | None = None) -> str:
    """``text`` in ``style`` as a string for ``print(..., file=stream)``: the line-oriented
    commands' way to colour a word; plain when ``stream`` gets no colour."""
    text = for_display(text)
    if not wants_color(stream):
        return text
    con = console(stream, width=PIPE_WIDTH)
    with con.capture() as capture:
        con.print(styled(text, style), end="")
    return capture.get()


def line(con: Console, *parts: Text | str, style: str = "") -> None:
    """Print one line of pieces on ``con`` (plain strings cleaned and literal)."""
    text = join(*parts)
    if style:
        text.stylize(style)
    con.print(text, crop=False, overflow="ignore", no_wrap=con.width >= PIPE_WIDTH)


# -- tables and panels ----------------------------------------------------------------------

def table(*headers: str, title: str | None = None) -> Table:
    """A borderless table with kkui's header style; columns wrap to the terminal width (cells
    with Chinese text break between characters, not inside a value: :func:`cjk_cell`)."""
    from rich import box

    grid = _cjk_classes()[0](box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                             title=title, header_style="bold", title_justify="left",
                             title_style="bold")
    for header in headers:
        grid.add_column(header, overflow="fold")
    return grid


def cjk_cell(cell: Any) -> Any:
    """A table cell whose Chinese text wraps between characters and at spaces. rich wraps only
    at spaces and folds a longer run by columns, so a Chinese sentence without spaces was cut
    anywhere -- inside a value it quotes (``v1.33.`` / ``4``). English cells are unchanged."""
    from rich.text import Text

    from kkui.i18n.width import has_wide

    if not isinstance(cell, Text) or not has_wide(cell.plain):
        return cell
    wrapped = _cjk_classes()[1](cell.plain, style=cell.style, justify=cell.justify,
                                overflow=cell.overflow, no_wrap=cell.no_wrap, end=cell.end)
    wrapped.spans = list(cell.spans)
    return wrapped


@functools.cache
def _cjk_classes() -> tuple[type[Table], type[Text]]:
    """The Table and Text subclasses behind :func:`table` and :func:`cjk_cell`, made once on
    first use (rich is imported lazily: ``kkui --help`` never loads it)."""
    from rich.containers import Lines
    from rich.table import Table
    from rich.text import Text

    from kkui.i18n.width import break_offsets

    class CjkTable(Table):
        def add_row(self, *renderables: Any, **kwargs: Any) -> None:
            super().add_row(*(cjk_cell(r) for r in renderables), **kwargs)

    class CjkText(Text):
        def wrap(self, console: Any, width: int, **kwargs: Any) -> Lines:
            if kwargs.get("no_wrap"):
                return super().wrap(console, width, **kwargs)
            lines = Lines()
            for part in self.split("\n", allow_blank=True):
                for piece in part.divide(break_offsets(part.plain, width)):
                    piece.rstrip()
                    lines.append(piece)
            return lines

    return CjkTable, CjkText


def add_row(grid: Table, cells: Sequence[Text | str]) -> None:
    grid.add_row(*(c if not isinstance(c, str) else untrusted(c) for c in cells))


def panel(lines: Iterable[Text | str], *, title: str, style: str = "") -> RenderableType:
    """A summary panel sized to its content (not stretched over a wide pipe)."""
    from rich.panel import Panel
    from rich.text import Text

    body = Text("\n").join(c if isinstance(c, Text) else untrusted(c) for c in lines)
    return Panel.fit(body, title=styled(title, f"bold {style}".strip()), border_style=style,
                     title_align="left")


def rows(headers: Sequence[str], cells: Iterable[Sequence[Text | str]],
         plain: Iterable[str], *, con: Console | None = None) -> None:
    """Rows of a listing: a table (wrapped to the terminal's width) on a terminal, else the
    ``plain`` lines -- the command's long-standing text, aligned by hand and stable for grep
    (the same words either way)."""
    con = console(sys.stdout) if con is None else con
    if con.width >= PIPE_WIDTH:
        for text in plain:
            con.print(untrusted(text), no_wrap=True, crop=False)
        return
    grid = table(*headers)
    for row in cells:
        add_row(grid, row)
    if grid.row_count:  # no rows: no lonely header
        con.print(grid)


def read_kk_answer(stream: IO[str], con: Console, prompt_text: str) -> bool | None:
    """The operator's answer to kk's ``[yes/no]`` prompt (already on screen), read the way kk
    reads it: yes/y or no/n, anything else shows the prompt again; None at end of input."""
    while True:
        stream.flush()
        try:
            answer = input().strip().lower()
        except EOFError:
            return None
        if answer in ("yes", "y"):
            return True
        if answer in ("no", "n"):
            return False
        con.print(untrusted(prompt_text), end="")
