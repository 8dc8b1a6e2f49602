"""The dashboard's cards are cached per user until any data changes (supervision.data_version)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supervision import data_version
from supervision.actions import findings as finding_actions
from supervision.models import Finding

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def _raise(inspector, agency, title):
    return finding_actions.finding_raise(
        acting_user=inspector,
        agency=agency,
        article="第八条（四）",
        title=title,
        description="抽查发现1笔划拨无审批单。",
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        severity=Finding.Severity.MAJOR,
    )


def _get(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_second_view_reads_the_cards_from_the_cache(client, org, inspector):
    cache.clear()
    _raise(inspector, org.weihui, "票据管理不规范")
    client.force_login(inspector)
    first, computed = _get(client)
    second, cached = _get(client)
    assert cached < computed
    assert cached <= 8  # session, user, roles, person, notifications: no card counts
    cards = 'data-testid="dashboard-cards"'
    assert "未销号的问题" in first
    assert first.split(cards)[1] == second.split(cards)[1]


def test_any_change_shows_at_once(client, org, inspector, head_weihui):
    cache.clear()
    client.force_login(head_weihui)
    assert "待我单位答复" not in _get(client)[0]
    _raise(inspector, org.weihui, "票据管理不规范")
    assert "待我单位答复" in _get(client)[0]


def test_the_version_changes_with_saves_but_not_with_sessions(client, org, inspector):
    cache.clear()
    client.force_login(inspector)
    before = data_version.current()
    _get(client)
    client.get(reverse("findings:list"))  # pages that only touch the session change nothing
    assert data_version.current() == before
    _raise(inspector, org.weihui, "票据管理不规范")
    assert data_version.current() > before


def test_the_dashboard_is_served_when_the_cache_is_down(client, org, inspector, monkeypatch):
    monkeypatch.setattr(data_version, "_paused_until", 0.0)  # restored afterwards: the pause ends with the test
    _raise(inspector, org.weihui, "票据管理不规范")
    client.force_login(inspector)
    with override_settings(CACHES=DEAD_REDIS):
        cache.close()
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "未销号的问题" in response.content.decode()


def test_writes_do_not_wait_for_a_cache_that_is_down(org, inspector, monkeypatch):
    import time

    monkeypatch.setattr(data_version, "_paused_until", 0.0)
    with override_settings(CACHES=DEAD_REDIS):
        cache.close()
        _raise(inspector, org.weihui, "票据管理不规范")  # the first save finds the cache down
        started = time.monotonic()
        for n in range(5):
            _raise(inspector, org.weihui, f"问题{n}")
        assert time.monotonic() - started < 1  # no connection attempt per save meanwhile
        assert data_version.current() is None
    assert Finding.objects.filter(agency=org.weihui).count() == 6


@pytest.mark.parametrize("persona", ["assessor", "handler", "staff_weihui"])
def test_the_cold_dashboard_costs_at_most_15_queries_at_two_sizes(client, org, inspector, admin_user, persona, request):
    """Issue 9: the cards' counts are read together (`reaches` answering every "anywhere?"); every role's
    dashboard on the matrix world: tests/test_list_queries.py. With a year being scored, as in the bench."""
    from tests.assessment.factories import open_year

    open_year(admin_user, org.city)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    cache.clear()
    _, small = _get(client)
    for n in range(12):
        _raise(inspector, org.weihui if n % 2 else org.huixian, f"问题{n}")
    cache.clear()
    _, larger = _get(client)
    assert larger == small
    assert larger <= 15
