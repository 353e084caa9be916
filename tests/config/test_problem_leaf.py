"""`Problem` lives in a leaf module, and config + LB validation are combined by a plain import:
no import cycle to dodge, no swallowed ImportError (issue #11, the seams)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})


def test_problem_is_a_leaf() -> None:
    result = fresh("import json, sys; import kkui.core.config.problem; "
                   "print(json.dumps(sorted(m for m in sys.modules if m.startswith('kkui'))))")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["kkui", "kkui.core", "kkui.core.config",
                                         "kkui.core.config.problem", "kkui.core.lazy"]


def test_either_validator_imports_first_without_a_cycle() -> None:
    for first in ("kkui.core.lb.validate", "kkui.core.config.validate", "kkui.core.config"):
        result = fresh(f"import {first}; from kkui.core.config.validate import "
                       "extra_validators; from kkui.core.lb.validate import validate_lb; "
                       "assert validate_lb in extra_validators()")
        assert result.returncode == 0, f"importing {first} first: {result.stderr}"


def test_no_import_error_is_swallowed() -> None:
    source = (ROOT / "kkui" / "core" / "config" / "validate.py").read_text(encoding="utf-8")
    assert "except ImportError" not in source
