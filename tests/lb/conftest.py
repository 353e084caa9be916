"""Fixtures for the LB tests: the namespace lab (one per test session, torn down always)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lb.netns_lab import Lab, running


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running(Lab(tmp_path_factory.mktemp("lb-lab"))) as the_lab:
        yield the_lab
