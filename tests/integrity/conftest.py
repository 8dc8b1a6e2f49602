from __future__ import annotations

import pytest

from tests.integrity.factories import ensure_checklists


@pytest.fixture(autouse=True)
def _regulation_checklists(request: pytest.FixtureRequest) -> None:
    """Every database test here sees the seeded checklists, even after a transactional test flushed them."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        ensure_checklists()
