"""``kkui verify``: read-only acceptance checks of an installed cluster (issue #13).

``kkui.core.verify.engine.run_verify(model, only=..., timeout=..., on_result=...)`` returns a
:class:`VerifyReport`; the checks are declared once in :mod:`kkui.core.verify.checks`
(``REGISTRY``).  This package module imports no SSH code, so ``kkui verify --help`` (which lists
the registry) stays fast.
"""

from kkui.core.verify.checks import CHECK_IDS, REGISTRY, VerifyCheck
from kkui.core.verify.report import VerifyReport, VerifyResult

__all__ = ["CHECK_IDS", "REGISTRY", "VerifyCheck", "VerifyReport", "VerifyResult"]
