"""The config document, its typed model and its validation (exports load on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kkui.core.lazy import exports_of, lazy_getattr

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from kkui.core.config.document import (
        ClusterDocument as ClusterDocument,
    )
    from kkui.core.config.model import (
        ClusterModel as ClusterModel,
    )
    from kkui.core.config.model import (
        Host as Host,
    )
    from kkui.core.config.model import (
        KkuiSettings as KkuiSettings,
    )
    from kkui.core.config.model import (
        LoadBalancerPair as LoadBalancerPair,
    )
    from kkui.core.config.problem import (
        Problem as Problem,
    )

__getattr__ = lazy_getattr(globals(), exports_of({
    "kkui.core.config.document": ("ClusterDocument",),
    "kkui.core.config.model": ("ClusterModel", "Host", "KkuiSettings", "LoadBalancerPair"),
    "kkui.core.config.problem": ("Problem",),
}))
