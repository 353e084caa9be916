"""One module per screen; ``SCREEN_CLASSES`` maps the app's mode names to them."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from kkui.tui.screens.cluster import ClusterScreen
from kkui.tui.screens.hosts import HostsScreen
from kkui.tui.screens.install import InstallScreen
from kkui.tui.screens.precheck import PrecheckScreen
from kkui.tui.screens.review import ReviewScreen
from kkui.tui.screens.roles import RolesScreen

SCREEN_CLASSES: dict[str, type[Screen[Any]]] = {
    "hosts": HostsScreen,
    "roles": RolesScreen,
    "cluster": ClusterScreen,
    "review": ReviewScreen,
    "precheck": PrecheckScreen,
    "install": InstallScreen,
}
