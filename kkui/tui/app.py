"""The kkui console: one app, one mode per screen, all edits through the config document."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import rich
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kkui.core.config import ClusterDocument
from kkui.core.errors import KkuiError
from kkui.tui.jump import target_of
from kkui.tui.messages import DocumentChanged

SCREENS_IN_ORDER = ("hosts", "roles", "cluster", "review", "precheck", "install")
DEFAULT_SAVE_NAME = "config-sample.yaml"


def _mode(name: str) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        from kkui.tui.screens import SCREEN_CLASSES

        return SCREEN_CLASSES[name]()

    return make


class StartScreen(Screen[None]):
    """Shown under the profile picker when kkui starts without a config file."""

    def compose(self):
        yield Header(show_clock=False)
        yield Static("No config file here. Pick a bundled profile to start from "
                     "(nothing connects to any host until you run precheck or install).",
                     id="start-text")
        yield Footer()


class KkuiApp(App[int]):
    """``doc`` is None when kkui starts without a file: the profile picker opens first."""

    TITLE = "kkui"
    ENABLE_COMMAND_PALETTE = False
    MODES: ClassVar[dict[str, Any]] = {name: _mode(name) for name in SCREENS_IN_ORDER}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+s", "save", "Save"),
        *(Binding(str(i), f"goto('{name}')", name.title(), show=False)
          for i, name in enumerate(SCREENS_IN_ORDER, start=1)),
    ]

    def __init__(self, doc: ClusterDocument | None = None, *, workdir: Path | None = None,
                 kk_binary: Path | None = None, log_dir: Path | None = None,
                 save_path: Path | None = None, start: str = "hosts",
                 kk_base_url: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.doc: ClusterDocument | None = doc
        self.workdir = workdir
        self.kk_binary = kk_binary
        self.log_dir = log_dir
        self.kk_base_url = kk_base_url  # a mirror of kk's release downloads (tests: loopback)
        self.clock = clock  # the install timer's clock (fixed in screenshots)
        self.default_save_path = save_path or Path(DEFAULT_SAVE_NAME)
        self.start_mode = start
        self.busy: dict[str, Callable[[], None]] = {}  # group -> cancel, while a worker runs

    # ------------------------------------------------------------------ start-up
    def get_default_screen(self) -> Screen[Any]:
        return StartScreen()

    def on_mount(self) -> None:
        if self.doc is None:
            from kkui.tui.modals.profile_picker import ProfilePicker

            self.push_screen(ProfilePicker(), self._profile_chosen)
        else:
            self.refresh_title()
            self.switch_mode(self.start_mode)

    def _profile_chosen(self, doc: ClusterDocument | None) -> None:
        if doc is None:
            self.exit(0)
            return
        self.doc = doc
        self.refresh_title()
        self.switch_mode(self.start_mode)

    @property
    def document(self) -> ClusterDocument:
        assert self.doc is not None, "no document loaded yet"
        return self.doc

    # ------------------------------------------------------------------ crashes
    def _fatal_error(self) -> None:
        """Textual prints a crash's traceback with every frame's local variables, and here those
        hold typed passwords and raw host rows: kkui's crash report leaves the locals out."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    # ------------------------------------------------------------------ title
    def refresh_title(self) -> None:
        doc = self.doc
        if doc is None:
            self.title, self.sub_title = "kkui", ""
            return
        name = doc.path.name if doc.path else doc.source
        changed = doc.is_modified  # a full dump of the document: ask once
        self.title = f"kkui · {name}" + (" •" if changed or doc.path is None else "")
        self.sub_title = "modified (ctrl+s saves)" if changed else (
            "not saved yet (ctrl+s saves)" if doc.path is None else "saved")

    # ------------------------------------------------------------------ edits
    def edit(self, change: Callable[[], object], *, quiet: bool = False) -> bool:
        """Apply one edit to the document; a refused edit becomes a notification."""
        try:
            change()
        except KkuiError as exc:
            if not quiet:
                self.notify(str(exc), title="Not changed", severity="error")
            return False
        self.document_changed()
        return True

    def document_changed(self) -> None:
        self.refresh_title()
        self.screen.post_message(DocumentChanged())

    # ------------------------------------------------------------------ actions
    def action_goto(self, mode: str) -> None:
        if self.doc is not None and self.current_mode != mode:
            self.switch_mode(mode)

    async def jump_to(self, path: str) -> None:
        """Show the screen that edits the field ``path`` of a validation problem."""
        mode = target_of(path)
        if self.current_mode != mode:
            await self.switch_mode(mode)
        focus_path = getattr(self.screen, "focus_path", None)
        if focus_path is not None:
            focus_path(path)

    def action_save(self) -> None:
        if self.doc is None:
            return
        if self.doc.path is None:
            from kkui.tui.modals.save_as import SaveAs

            self.push_screen(SaveAs(self.default_save_path), self._save_to)
            return
        self._save_to(self.doc.path)

    def _save_to(self, path: Path | None, then: Callable[[], object] | None = None) -> None:
        if path is None or self.doc is None:
            return
        existed = path.exists()
        try:
            written = self.doc.save(path)
        except (KkuiError, OSError) as exc:
            self.notify(str(exc), title="Not saved", severity="error")
            return
        kept = f" (previous kept as {written.name}.bak)" if existed else ""
        self.notify(f"Saved {written}{kept}", title="Saved")
        self.document_changed()
        if then is not None:
            then()

    async def action_quit(self) -> None:
        from kkui.tui.modals.confirm import ConfirmQuit

        running = sorted(self.busy)
        modified = self.doc is not None and self.doc.is_modified
        if not running and not modified:
            self.exit(0)
            return

        def decided(choice: str | None) -> None:
            if choice == "save" and self.doc is not None:
                if self.doc.path is None:
                    from kkui.tui.modals.save_as import SaveAs

                    self.push_screen(SaveAs(self.default_save_path),
                                     lambda p: self._save_to(p, then=self._stop_and_exit))
                    return
                self._save_to(self.doc.path, then=self._stop_and_exit)
            elif choice == "discard":
                self._stop_and_exit()

        self.push_screen(ConfirmQuit(modified=modified, running=running), decided)

    def _stop_and_exit(self) -> None:
        """Stop running work first: kk's whole process tree must be gone before kkui exits."""
        self.run_worker(self._drain_and_exit(), group="exit")

    async def _drain_and_exit(self) -> None:
        workers = [w for w in self.workers if w.group in ("install", "precheck", "fix")]
        while any(w.is_running for w in workers):
            for cancel in list(self.busy.values()):
                cancel()  # each repeat escalates: SIGINT, SIGTERM, SIGKILL of the tree
            await asyncio.sleep(0.2)
        self.exit(0)
