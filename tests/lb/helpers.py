"""Shared builders for the LB tests (documents from the bundled profile, fixed secrets)."""

from __future__ import annotations

from kkui.core.config import ClusterDocument

GOLDEN_AUTH_PASS = "Gold3nAP"
GOLDEN_STATS_PASSWORD = "GoldenStatsPassword0123"


def profile_doc(*, secrets: bool = True) -> ClusterDocument:
    """The ha-external-lb profile (lb1 .10, lb2 .11, VIP .18:6443/24, masters .12-.14)."""
    doc = ClusterDocument.from_profile("ha-external-lb")
    if secrets:
        doc.set_kkui("loadBalancer.secrets.authPass", GOLDEN_AUTH_PASS)
        doc.set_kkui("loadBalancer.secrets.statsPassword", GOLDEN_STATS_PASSWORD)
    return doc
