"""One module per screen; ``SCREEN_CLASSES`` maps the app's mode names to them."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from kkui.tui.navigation import SCREEN_NAMES
from kkui.tui.screens.cluster import ClusterScreen
from kkui.tui.screens.history import HistoryScreen
from kkui.tui.screens.hosts import HostsScreen
from kkui.tui.screens.install import InstallScreen
from kkui.tui.screens.loadbalancer import LoadBalancerScreen
from kkui.tui.screens.ops import OpsScreen
from kkui.tui.screens.precheck import PrecheckScreen
from kkui.tui.screens.review import ReviewScreen
from kkui.tui.screens.roles import RolesScreen
from kkui.tui.screens.verify import VerifyScreen

SCREEN_CLASSES: dict[str, type[Screen[Any]]] = {
    "hosts": HostsScreen,
    "roles": RolesScreen,
    "cluster": ClusterScreen,
    "review": ReviewScreen,
    "precheck": PrecheckScreen,
    "install": InstallScreen,
    "loadbalancer": LoadBalancerScreen,
    "verify": VerifyScreen,
    "history": HistoryScreen,
    "ops": OpsScreen,
}

assert tuple(SCREEN_CLASSES) == SCREEN_NAMES, "one class per screen of kkui.tui.navigation"
