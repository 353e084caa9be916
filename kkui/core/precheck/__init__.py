"""Parallel SSH prechecks: what would break ``kk create cluster``, found before it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kkui.core.lazy import exports_of, lazy_getattr

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from kkui.core.precheck.engine import (
        run_precheck as run_precheck,
    )
    from kkui.core.precheck.engine import (
        select_targets as select_targets,
    )
    from kkui.core.precheck.fix import (
        FixOutcome as FixOutcome,
    )
    from kkui.core.precheck.fix import (
        HostFixPlan as HostFixPlan,
    )
    from kkui.core.precheck.fix import (
        apply_fix as apply_fix,
    )
    from kkui.core.precheck.fix import (
        plan_fixes as plan_fixes,
    )
    from kkui.core.precheck.report import (
        CheckResult as CheckResult,
    )
    from kkui.core.precheck.report import (
        HostReport as HostReport,
    )
    from kkui.core.precheck.report import (
        PrecheckReport as PrecheckReport,
    )

__getattr__ = lazy_getattr(globals(), exports_of({
    "kkui.core.precheck.engine": ("run_precheck", "select_targets"),
    "kkui.core.precheck.fix": ("FixOutcome", "HostFixPlan", "apply_fix", "plan_fixes"),
    "kkui.core.precheck.report": ("CheckResult", "HostReport", "PrecheckReport"),
}))
