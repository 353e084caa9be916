"""The kkui console: one app, one mode per screen, all edits through the config document."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Input

from kkui import i18n
from kkui.core.config import ClusterDocument
from kkui.core.config.guard import UnsafeEditError
from kkui.core.errors import KkuiError, shown_error
from kkui.i18n import N_, _
from kkui.tui import recovery
from kkui.tui.jump import target_of
from kkui.tui.messages import DocumentChanged
from kkui.tui.navigation import SCREEN_NAMES, TITLES, screen_digit, screen_keys
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.tr import TrStatic

DEFAULT_SAVE_NAME = "config-sample.yaml"
# Worker groups that do something on hosts or run kk: quitting asks first and stops them.
# (English message ids: the quit dialog shows them translated)
RUNNING_WORK = {"install": N_("the install (kk)"), "precheck": N_("the precheck"),
                "fix": N_("the package fix"), "lb": N_("a load-balancer action"),
                "ops": N_("a cluster operation (Cluster ops)")}
# the language f2 switches to, named in that language (the palette shows it)
OTHER_LANGUAGE = {"en": ("zh", "中文"), "zh": ("en", "English")}


def _mode(name: str) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        from kkui.tui.screens import SCREEN_CLASSES

        return SCREEN_CLASSES[name]()

    return make


class StartScreen(Screen[None]):
    """Shown under the profile picker when kkui starts without a config file."""

    def compose(self):
        yield Header(show_clock=False)
        yield TrStatic(N_("No config file here. Pick a bundled profile to start from "
                          "(nothing connects to any host until you run precheck or "
                          "install)."), id="start-text")
        yield Footer()


class KkuiApp(App[int]):
    """``doc`` is None when kkui starts without a file: the profile picker opens first."""

    TITLE = "kkui"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    MODES: ClassVar[dict[str, Any]] = {name: _mode(name) for name in SCREEN_NAMES}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+s", "save", "Save"),
        Binding("question_mark,f1", "help", "Keys", key_display="?"),
        Binding("escape", "leave_field", "Leave field", show=False),
        Binding("f2", "language", "Language: 中文 / English", show=False),
        *(Binding(screen_keys(i), f"goto('{name}')", TITLES[name], show=False)
          for i, name in enumerate(SCREEN_NAMES, start=1)),
        # alt+digit is a priority binding: it switches screens even inside a text field
        *(Binding(f"alt+{screen_digit(i)}", f"goto('{name}')", TITLES[name], show=False,
                  priority=True)
          for i, name in enumerate(SCREEN_NAMES, start=1)),
    ]

    def __init__(self, doc: ClusterDocument | None = None, *, workdir: Path | None = None,
                 kk_binary: Path | None = None, log_dir: Path | None = None,
                 save_path: Path | None = None, start: str = "hosts",
                 kk_base_url: str | None = None, create_path: Path | None = None,
                 skip_precheck: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.doc: ClusterDocument | None = doc
        self.workdir = workdir
        self.kk_binary = kk_binary
        self.log_dir = log_dir
        self.kk_base_url = kk_base_url  # a mirror of kk's release downloads (tests: loopback)
        # `kkui tui --skip-precheck`: the same override as `kkui install --skip-precheck`
        self.skip_precheck = skip_precheck
        self.last_precheck: Any = None  # the Precheck screen's last finished PrecheckReport
        # what the LB pair's last deploy/status found this session ("answering", "failed", "")
        self.lb_state = ""
        # the login of the last host added (user, key or password): offered for the next one
        self.last_auth: dict[str, str] = {}
        self.clock = clock  # the install timer's clock (fixed in screenshots)
        self.default_save_path = save_path or Path(DEFAULT_SAVE_NAME)
        self.start_mode = start
        self.create_path = create_path  # `kkui tui -f new.yaml` with no new.yaml yet
        if create_path is not None:
            self.default_save_path = create_path
        # group -> how to stop that work early (kk's tree, a download, an SSH run); what is
        # *running* is read from self.workers, never from this dict
        self.busy: dict[str, Callable[[], None]] = {}
        self.recovery_offered: recovery.Recovery | None = None

    # ------------------------------------------------------------------ start-up
    def get_default_screen(self) -> Screen[Any]:
        return StartScreen()

    def on_mount(self) -> None:
        from kkui.core import signals

        # SIGTERM, or SIGHUP when the terminal / tmux session goes away: stop like Quit
        signals.add_loop_handlers(asyncio.get_running_loop(), self._terminated)
        if self.doc is None and self.create_path is not None:
            self._offer_blank(self.create_path)
        elif self.doc is None:
            from kkui.tui.modals.profile_picker import ProfilePicker

            self.push_screen(ProfilePicker(), self._profile_chosen)
        else:
            self.refresh_title()
            self.switch_mode(self.start_mode)
            self._offer_recovery()

    def _offer_blank(self, path: Path) -> None:
        """``-f`` names a file that does not exist yet: offer a blank config for it."""
        from kkui.core.config.blank import blank_document
        from kkui.tui.modals.confirm import Confirm

        def decided(yes: bool | None) -> None:
            if not yes:
                from kkui.tui.modals.profile_picker import ProfilePicker

                self.push_screen(ProfilePicker(), self._profile_chosen)
                return
            self._profile_chosen(blank_document(path))

        self.push_screen(Confirm(
            _("{name} does not exist yet").format(name=path.name),
            _("Start a new, empty cluster config for {path}? Nothing is written until you "
              "save (ctrl+s). Add hosts on the Hosts screen (a, b, l for LB hosts), choose "
              "roles, then the endpoint on Cluster.").format(path=path),
            yes=_("Create"), no=_("Pick a profile")),
            decided)

    @property
    def recovery_target(self) -> Path:
        """The file whose recovery copy this session keeps."""
        return self.doc.path if self.doc is not None and self.doc.path else \
            self.default_save_path

    def _offer_recovery(self) -> None:
        """A previous session ended (crash, killed terminal) with edits that were not saved:
        offer them back; nothing is replaced without a yes."""
        found = recovery.find(self.recovery_target)
        if found is None:
            return
        from kkui.tui.modals.confirm import Confirm

        self.recovery_offered = found

        def decided(yes: bool | None) -> None:
            if yes and self.doc is not None:
                try:
                    self.doc.replace_with(found.text)
                except KkuiError as exc:
                    self.notify(f"{found.path}: {shown_error(exc)}",
                                title=_("Not restored"), severity="error")
                    return
                self.notify(_("Restored the unsaved edits from {name}; ctrl+s saves "
                              "them").format(name=found.path.name), title=_("Restored"))
                self.document_changed()
            else:
                recovery.discard(found.config)

        self.push_screen(Confirm(
            _("Restore unsaved work?"),
            _("A previous kkui session ended without saving its edits to {config}. "
              "They were kept in {path}.\n\nRestore them (they stay unsaved until "
              "ctrl+s), or discard them?").format(config=found.config.name, path=found.path),
            yes=_("Restore"), no=_("Discard")), decided)

    def _profile_chosen(self, doc: ClusterDocument | None) -> None:
        if doc is None:
            self.exit(0)
            return
        self.doc = doc
        self.refresh_title()
        self.switch_mode(self.start_mode)
        self._offer_recovery()  # a blank or profile session that ended without saving

    @property
    def document(self) -> ClusterDocument:
        assert self.doc is not None, "no document loaded yet"
        return self.doc

    # ------------------------------------------------------------------ crashes
    def _fatal_error(self) -> None:
        """Textual prints a crash's traceback with every frame's local variables, and here those
        hold typed passwords and raw host rows. kkui prints one line instead, as the CLI does,
        and writes a report without messages or locals to a 0600 file (kkui.core.crash)."""
        import sys

        from rich.text import Text

        from kkui.core import crash

        self.bell()
        self._keep_recovery_copy()
        exc = self._exception or sys.exc_info()[1]
        line = "kkui: internal error" if exc is None else \
            crash.one_line(exc, crash.write_report(exc, "tui"))
        self._exit_renderables.append(Text(line))
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
        self.sub_title = _("modified (ctrl+s saves)") if changed else (
            _("not saved yet (ctrl+s saves)") if doc.path is None else _("saved"))

    # ------------------------------------------------------------------ edits
    def edit(self, change: Callable[[], object], *, quiet: bool = False) -> bool:
        """Apply one edit to the document; a refused edit becomes a notification.

        A bug in an edit must not end the session: it is reported in one line (the exception
        type only: its text may hold a field value) and the work so far stays in the
        recovery copy."""
        try:
            change()
        except KkuiError as exc:
            if not quiet:
                self.notify(shown_error(exc), title=_("Not changed"), severity="error")
            return False
        except Exception as exc:  # noqa: BLE001 - a kkui bug; the session's work is kept
            self.document_changed()
            self.notify(_("kkui could not apply this edit ({error}, a kkui bug). Your other "
                          "edits are kept (recovery copy: {path}).").format(
                            error=type(exc).__name__,
                            path=recovery.recovery_path(self.recovery_target)),
                        title=_("Not changed"), severity="error", timeout=15)
            return False
        self.document_changed()
        return True

    def document_changed(self) -> None:
        self.refresh_title()
        self._keep_recovery_copy()
        self.screen.post_message(DocumentChanged())

    def _keep_recovery_copy(self) -> None:
        doc = self.doc
        if doc is None:
            return
        if doc.is_modified:
            try:
                text = doc.to_text()
            except UnsafeEditError:  # the write guard refused: Review and ctrl+s say why
                return
            recovery.write(self.recovery_target, text)
        else:
            recovery.discard(self.recovery_target)

    # ------------------------------------------------------------------ actions
    def action_goto(self, mode: str) -> None:
        if isinstance(self.screen, ModalScreen):
            return  # a dialog is open: it keeps the keys (and its own fields)
        if self.doc is not None and self.current_mode != mode:
            self.switch_mode(mode)

    def action_leave_field(self) -> None:
        """Escape in a text field: stop editing it; the screen's keys work again."""
        focused = self.focused
        if isinstance(focused, Input) and not isinstance(self.screen, ModalScreen):
            leave = getattr(self.screen, "leave_field", None)
            if leave is not None:
                leave(focused)
            else:
                self.screen.set_focus(None)

    def action_help(self) -> None:
        from kkui.tui.modals.help import KeysHelp

        if not isinstance(self.screen, KeysHelp):
            self.push_screen(KeysHelp(self.screen))

    def action_language(self) -> None:
        """f2 / the command palette: English <-> 中文 at run time. Every screen already shown
        is re-labelled in place: edits, results and logs stay (issue #16)."""
        if isinstance(self.screen, ModalScreen):
            self.notify(_("Close the dialog first, then switch the language"),
                        severity="warning")
            return
        self.switch_language(OTHER_LANGUAGE[i18n.language()][0])

    def switch_language(self, language: str) -> None:
        from kkui.tui.screens.base import KkuiScreen
        from kkui.tui.widgets.tr import relabel_tree

        i18n.set_language(language)
        self.refresh_title()
        for stack in self._screen_stacks.values():  # every mode's screens, shown or not
            for screen in stack:
                relabel_tree(screen)
                if isinstance(screen, KkuiScreen) and screen.is_mounted and self.doc:
                    screen.relabel()
        self.refresh_bindings()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): every action of every screen, with its key."""
        from kkui.tui.keys import palette_entries

        for entry in palette_entries(self, screen):
            yield SystemCommand(entry.title, entry.help, entry.run)

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
            self.notify(shown_error(exc), title=_("Not saved"), severity="error")
            return
        kept = _(" (previous kept as {name}.bak)").format(name=written.name) if existed else ""
        self.notify(_("Saved {path}{kept}").format(path=written, kept=kept), title=_("Saved"))
        recovery.discard(self.default_save_path)
        self.document_changed()
        if then is not None:
            then()

    async def action_quit(self) -> None:
        from kkui.tui.modals.confirm import ConfirmQuit

        running = self.running_work()
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
                recovery.discard(self.recovery_target)
                self._stop_and_exit()

        self.push_screen(ConfirmQuit(modified=modified, running=running), decided)

    def running_work(self) -> list[str]:
        """What is running now, from the app's workers (one label per group)."""
        groups = {w.group for w in self.workers if w.is_running and w.group in RUNNING_WORK}
        return [_(RUNNING_WORK[g]) for g in RUNNING_WORK if g in groups]

    def _stop_and_exit(self) -> None:
        """Stop running work first: kk's whole process tree must be gone before kkui exits."""
        self.run_worker(self._drain_and_exit(), group="exit")

    def _terminated(self, signum: int) -> None:
        """Stop kk's tree (like Quit, without asking) and exit with 128 + the signal; if the
        UI cannot shut down on a vanished terminal, leave anyway a few seconds later."""
        from kkui.core import signals

        self.run_worker(self._drain_and_exit(128 + signum), group="exit")
        signals.exit_after(5.0, 128 + signum)

    async def _drain_and_exit(self, code: int = 0) -> None:
        workers = [w for w in self.workers if w.group in RUNNING_WORK]
        while any(w.is_running for w in workers):
            for cancel in list(self.busy.values()):
                cancel()  # each repeat escalates: SIGINT, SIGTERM, SIGKILL of the tree
            await asyncio.sleep(0.2)
        self.exit(code)
