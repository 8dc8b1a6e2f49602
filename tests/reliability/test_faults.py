"""Faults survived, with the real parts really stopped or broken (ISSUE: reliability)."""

from __future__ import annotations

import datetime

import pytest
from celery import Celery
from django.db import connection

from supervision.models import Finding, Notification
from supervision.models.findings import local_today

PASSWORD = "fault-test-password-1"


@pytest.fixture
def real_passwords(settings):
    """The server process checks passwords with the production hasher, so store them that way."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

    def _set(*users):
        for user in users:
            user.set_password(PASSWORD)
            user.email = f"{user.username}@example.cn"
            user.save()

    return _set


def finding_form(agency_id: int, title: str) -> dict[str, str]:
    return {
        "agency": str(agency_id),
        "source": "other",
        "article": "第八条（四）",
        "severity": "minor",
        "title": title,
        "description": "现场检查发现。",
        "deadline": (local_today() + datetime.timedelta(days=20)).isoformat(),
    }


def test_next_request_succeeds_after_the_database_dropped_every_connection(
    start_portal, real_passwords, org, head_weihui
):
    real_passwords(head_weihui)
    portal = start_portal()
    client = portal.client()
    client.sign_in("head_weihui", PASSWORD)
    assert client.request("/dashboard/")[0] == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1  # the server's persistent connection was among them

    status, body, _ = client.request("/dashboard/")
    assert status == 200 and "我的工作" in body


def test_with_redis_stopped_pages_serve_and_records_are_kept_then_mail_goes_out_when_it_returns(
    start_portal, start_worker, redis_server, real_passwords, org, inspector, head_weihui
):
    real_passwords(inspector, head_weihui)
    portal = start_portal(REDIS_URL=redis_server.url)
    client = portal.client()
    client.sign_in("inspector", PASSWORD)
    assert client.request("/findings/")[0] == 200

    redis_server.stop()
    assert client.request("/")[0] == 200
    assert client.request("/dashboard/")[0] == 200
    status, _, _ = client.post("/findings/new/", finding_form(org.weihui.pk, "Redis 停止时登记的问题"))
    assert status == 302, portal.log.read_text()[-2000:]
    finding = Finding.objects.get(title="Redis 停止时登记的问题")
    waiting = Notification.objects.filter(title__contains=finding.title, emailed_at__isnull=True)
    assert waiting.exists()

    redis_server.start()
    start_worker("--pool", "solo", REDIS_URL=redis_server.url)
    app = Celery(broker=redis_server.url, backend=redis_server.url)
    assert app.send_task("supervision.tasks.retry_unsent_mail_task").get(timeout=60) >= 1
    assert not Notification.objects.filter(pk__in=waiting.values("pk"), emailed_at__isnull=True).exists()
