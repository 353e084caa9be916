"""tools/i18n.py, the catalog tool (Babel extraction with the project's babel.cfg), loaded for
the tests that need the same extraction: one extraction code for the tool and the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parents[2] / "tools" / "i18n.py"


def catalog_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kkui_catalog_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
