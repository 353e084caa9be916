"""Fixtures for the LB tests: the namespace lab (one per test session, torn down always)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lb.netns_lab import Lab, LabUnavailable


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    the_lab = Lab(tmp_path_factory.mktemp("lb-lab"))
    try:
        the_lab.start()
    except LabUnavailable as exc:
        the_lab.close()
        pytest.skip(f"namespace lab unavailable: {exc}")
    except BaseException:
        the_lab.close()
        raise
    try:
        yield the_lab
    finally:
        the_lab.close()
