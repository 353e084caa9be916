"""Package exports imported on first use (PEP 562), so that importing a package for one light
name does not load its heavy siblings: `kkui --help` must not pay for ruamel.yaml, paramiko or
httpx (issue #11; tests/test_startup.py checks it). Type checkers see the names through the
package's ``if TYPE_CHECKING:`` imports."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(namespace: dict[str, Any], exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module path) on first use."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups are plain attribute reads
        return value

    return __getattr__


def exports_of(modules: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """``{module: (names...)}`` -> ``{name: module}``."""
    return {name: module for module, names in modules.items() for name in names}
