"""The log pane: a capped ``Log`` fed in batches that follows the end until you scroll up.

The full output lives in a file (kk's tee); the widget only keeps ``max_lines``.
``/`` searches the kept lines, ``n``/``N`` move between matches, ``end`` resumes following.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Log, Static

from kkui.i18n import N_, _

DEFAULT_MAX_LINES = 5000
SEARCH_PLACEHOLDER = N_("search the log (enter finds, esc closes)")


class FollowLog(Log):
    """A ``Log`` that tells its pane when the operator scrolls away from the end."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "follow", "Follow"),
    ]

    def action_follow(self) -> None:
        pane = self.parent
        if isinstance(pane, LogPane):
            pane.action_follow()

    @dataclass
    class Paused(Message):
        """The operator scrolled up: stop following."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.auto_scroll and new_value < old_value and not self.is_vertical_scroll_end:
            self.auto_scroll = False
            self.post_message(self.Paused())


class LogPane(Vertical):
    DEFAULT_CSS = """
    LogPane { height: 1fr; }
    LogPane FollowLog { height: 1fr; border-top: solid $primary-darken-2; }
    LogPane #log-indicator { height: 1; background: $warning-darken-2; color: $text;
                             padding: 0 1; display: none; }
    LogPane #log-indicator.-shown { display: block; }
    LogPane #log-search { display: none; }
    LogPane #log-search.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "follow", "Follow"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Prev match", show=False),
    ]

    def __init__(self, *, max_lines: int = DEFAULT_MAX_LINES, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.new_lines = 0
        self.total_lines = 0
        self.matches: list[int] = []
        self.match_index = -1
        self.term = ""

    def compose(self) -> ComposeResult:
        yield FollowLog(max_lines=self.max_lines, auto_scroll=True, id="log")
        yield Static("", id="log-indicator")
        yield Input(placeholder=_(SEARCH_PLACEHOLDER), id="log-search", compact=True)

    def relabel(self) -> None:
        """The language changed (f2): the search field's hint and the follow line."""
        self.query_one("#log-search", Input).placeholder = _(SEARCH_PLACEHOLDER)
        if not self.matches:
            self._indicate()

    @property
    def log_widget(self) -> FollowLog:
        return self.query_one(FollowLog)

    @property
    def following(self) -> bool:
        return self.log_widget.auto_scroll

    # ------------------------------------------------------------------ feeding
    def append(self, lines: Sequence[str]) -> None:
        """One batch of lines: a single ``write_lines`` call, never one call per line."""
        if not lines:
            return
        log = self.log_widget
        self.total_lines += len(lines)
        log.write_lines(lines)
        if not log.auto_scroll:
            self.new_lines += len(lines)
            self._indicate()

    def clear(self) -> None:
        self.log_widget.clear()
        self.new_lines = self.total_lines = 0
        self.matches, self.match_index = [], -1
        self.action_follow()

    # ------------------------------------------------------------------ follow
    @on(FollowLog.Paused)
    def _paused(self) -> None:
        self.new_lines = 0
        self._indicate()

    def _indicate(self, text: str = "") -> None:
        indicator = self.query_one("#log-indicator", Static)
        if not text and not self.following:
            text = (_("▼ {count} new line(s) — end follows the log").format(
                count=self.new_lines) if self.new_lines else
                _("paused — end follows the log"))
        indicator.update(text)
        indicator.set_class(bool(text), "-shown")

    def action_follow(self) -> None:
        log = self.log_widget
        log.auto_scroll = True
        log.scroll_end(animate=False, immediate=True)
        self.new_lines = 0
        self._indicate()

    # ------------------------------------------------------------------ search
    def action_search(self) -> None:
        search = self.query_one("#log-search", Input)
        search.add_class("-shown")
        search.focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        self.find(event.value)
        self.log_widget.focus()

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        search = self.query_one("#log-search", Input)
        if key == "escape" and search.has_focus:
            search.remove_class("-shown")
            self.log_widget.focus()
            getattr(event, "stop", lambda: None)()

    def find(self, term: str) -> int:
        """Scroll to the first match of ``term`` (case-insensitive); returns the match count."""
        self.term = term.strip()
        needle = self.term.lower()
        lines = self.log_widget.lines
        self.matches = [i for i, line in enumerate(lines) if needle and needle in line.lower()]
        self.match_index = -1
        if not self.matches:
            self._indicate(_("no line contains {term}").format(term=repr(self.term))
                           if self.term else "")
            return 0
        self.action_next_match(1)
        return len(self.matches)

    def action_next_match(self, step: int) -> None:
        if not self.matches:
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        line = self.matches[self.match_index]
        log = self.log_widget
        log.auto_scroll = False
        log.scroll_to(y=max(line - log.scrollable_content_region.height // 2, 0),
                      animate=False, immediate=True)
        self._indicate(_("match {index}/{total} for {term} at line {line} — n/N "
                         "next/previous, end follows").format(
                             index=self.match_index + 1, total=len(self.matches),
                             term=repr(self.term), line=line + 1))

    def visible_text(self) -> str:
        return "\n".join(self.log_widget.lines)
