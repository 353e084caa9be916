"""Parallel SSH prechecks: what would break ``kk create cluster``, found before it runs."""

from kkui.core.precheck.engine import run_precheck, select_targets
from kkui.core.precheck.fix import FixOutcome, HostFixPlan, apply_fix, plan_fixes
from kkui.core.precheck.report import CheckResult, HostReport, PrecheckReport

__all__ = ["CheckResult", "FixOutcome", "HostFixPlan", "HostReport", "PrecheckReport",
           "apply_fix", "plan_fixes", "run_precheck", "select_targets"]
