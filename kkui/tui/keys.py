"""The keys of the console, read from the screens' own ``BINDINGS``: the ``?`` help screen and
the command palette (ctrl+p) list them, so a new action shows up in both without a second list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType
from textual.screen import Screen

from kkui import i18n
from kkui.i18n import N_, _
from kkui.tui.navigation import SCREEN_NAMES, TITLES

if TYPE_CHECKING:
    from kkui.tui.app import KkuiApp

LAST = len(SCREEN_NAMES)  # screens are keys 1..LAST
# Keys that belong to the whole console (shown under "Everywhere" in the help). Descriptions
# are English message ids (``{last}``: the last screen key), translated and formatted where
# shown (the help dialog: issue #16).
GLOBAL_KEYS: tuple[tuple[str, str], ...] = (
    (f"1-{LAST}", N_("show a screen (when no text field is being edited)")),
    (f"alt+1-{LAST}", N_("show a screen from anywhere (never types into a field)")),
    ("esc", N_("leave the text field (then 1-{last} and the screen's keys work)")),
    ("tab / shift+tab", N_("next / previous field or panel")),
    ("ctrl+s", N_("save the config (atomic, 0600, previous file kept as .bak)")),
    ("ctrl+p", N_("command palette: every action of every screen")),
    ("? / f1", N_("this help")),
    ("ctrl+q", N_("quit (asks first with unsaved changes or running work)")),
)


@dataclass(frozen=True)
class KeyHelp:
    keys: str
    description: str
    action: str


def display_keys(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"delete": "del", "space": "space", "question_mark": "?"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def _bindings(declared: Iterable[BindingType]) -> Iterator[Binding]:
    for item in declared:
        if isinstance(item, Binding):
            yield item
        else:
            key, action, *rest = item
            description = rest[0] if rest else ""  # (not a literal: Babel extracts those)
            yield Binding(key, action, description)


def screen_keys(screen_class: type[Screen[Any]]) -> list[KeyHelp]:
    """The screen's own keys with a description (its class and base classes' ``BINDINGS``)."""
    found: list[KeyHelp] = []
    seen: set[str] = set()
    for cls in screen_class.__mro__:
        if not cls.__module__.startswith("kkui."):
            continue  # Textual's own (tab, copy) are listed once under "Everywhere"
        for binding in _bindings(cls.__dict__.get("BINDINGS", ())):
            if binding.description and binding.action not in seen:
                seen.add(binding.action)
                found.append(KeyHelp(display_keys(binding), binding.description,
                                     binding.action))
    return found


@dataclass(frozen=True)
class PaletteEntry:
    title: str
    help: str
    run: Callable[[], Any]


def palette_entries(app: KkuiApp, current: Screen[Any]) -> Iterator[PaletteEntry]:
    """Screen switches, then every screen's actions (the current screen's first); choosing
    another screen's action shows that screen and runs it there."""
    from kkui.tui.screens import SCREEN_CLASSES

    if app.doc is None:
        return
    from kkui.tui.app import OTHER_LANGUAGE

    for index, name in enumerate(SCREEN_NAMES, start=1):
        yield PaletteEntry(_("Go to {screen}").format(screen=_(TITLES[name])),
                           _("key {index} (alt+{index} from a field)").format(index=index),
                           _goto(app, name))
    mode = app.current_mode
    order = [mode, *[n for n in SCREEN_NAMES if n != mode]] if mode in SCREEN_CLASSES \
        else list(SCREEN_NAMES)
    for name in order:
        for key in screen_keys(SCREEN_CLASSES[name]):
            yield PaletteEntry(f"{_(TITLES[name])}: {_(key.description)}",
                               _("key {keys} on the {screen} screen").format(
                                   keys=key.keys, screen=_(TITLES[name])),
                               _run_on(app, name, key.action))
    yield PaletteEntry(_("Save"), _("key ctrl+s"), app.action_save)
    yield PaletteEntry(_("Keys (help)"), _("key ? or f1"), app.action_help)
    language, language_name = OTHER_LANGUAGE[i18n.language()]
    yield PaletteEntry(_("Language: {language}").format(language=language_name), _("key f2"),
                       lambda: app.switch_language(language))
    yield PaletteEntry(_("Quit"), _("key ctrl+q"), lambda: app.run_action("quit"))


def _goto(app: KkuiApp, name: str) -> Callable[[], Any]:
    return lambda: app.action_goto(name)


def _run_on(app: KkuiApp, name: str, action: str) -> Callable[[], Any]:
    async def run() -> None:
        if app.current_mode != name:
            await app.switch_mode(name)
        await app.run_action(action, app.screen)

    return run
