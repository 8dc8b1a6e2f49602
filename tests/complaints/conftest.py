from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.utils import timezone


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits live in the cache: every test starts with none counted."""
    cache.clear()


@pytest.fixture
def travel(monkeypatch) -> Callable[[datetime.date], None]:
    """Set today's date (Asia/Shanghai, 10:00) for the code under test."""

    def _travel(day: datetime.date) -> None:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return _travel
