from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from supervision.models import Notification
from supervision.notifications import mail_due_for_retry, notify, send_notification_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable_head(head_weihui):
    head_weihui.email = "head@weihui.example.cn"
    head_weihui.save()
    return head_weihui


def test_notify_once_per_key(reachable_head):
    notify([reachable_head], "逾期", key="finding-overdue-1")
    notify([reachable_head], "逾期", key="finding-overdue-1")
    assert Notification.objects.filter(recipient=reachable_head).count() == 1


def test_mail_is_sent_once(reachable_head):
    [notification] = notify([reachable_head], "整改通知", body="请整改", url="/findings/1/")
    assert send_notification_mail(notification.pk) is True
    assert send_notification_mail(notification.pk) is False
    assert len(mail.outbox) == 1
    assert "整改通知" in mail.outbox[0].subject
    assert "/findings/1/" in mail.outbox[0].body


def test_failing_mail_server_keeps_the_notification_and_retries(settings, reachable_head):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    [notification] = notify([reachable_head], "整改通知")
    assert send_notification_mail(notification.pk) is False
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.mail_attempts == 1 and notification.mail_error
    assert notification.pk not in mail_due_for_retry()  # backs off first

    from datetime import timedelta

    from django.utils import timezone

    assert notification.pk in mail_due_for_retry(timezone.now() + timedelta(minutes=6))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_notification_mail(notification.pk) is True
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.mail_error == ""


def test_recipient_without_address_gets_the_in_app_notification_only(head_weihui):
    [notification] = notify([head_weihui], "整改通知")
    assert notification.mail_skipped
    assert send_notification_mail(notification.pk) is False
    assert mail.outbox == []


def test_bell_counts_unread_and_opening_marks_read(client, head_weihui):
    [notification] = notify([head_weihui], "整改通知", url="/findings/")
    client.force_login(head_weihui)
    body = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="unread-count">1<' in body
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == "/findings/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_404(client, head_weihui, head_huixian):
    [notification] = notify([head_weihui], "整改通知")
    client.force_login(head_huixian)
    assert client.post(reverse("notifications:open", args=[notification.pk])).status_code == 404


def test_external_link_is_not_followed(client, head_weihui):
    [notification] = notify([head_weihui], "钓鱼", url="https://evil.example.com/")
    client.force_login(head_weihui)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_read_all(client, head_weihui):
    notify([head_weihui], "一")
    notify([head_weihui], "二")
    client.force_login(head_weihui)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.unread().exists()


def test_a_title_cannot_add_mail_headers(reachable_head):
    """Titles carry text people typed (a finding's title): a line break must not become a header."""
    [notification] = notify([reachable_head], "整改通知\r\nBcc: someone@example.cn")
    send_notification_mail(notification.pk)
    for message in mail.outbox:
        headers = message.message().as_string().split("\n\n", 1)[0]
        assert "\nBcc:" not in headers and not message.bcc
    if not mail.outbox:
        notification.refresh_from_db()
        assert notification.mail_error  # refused, and kept for a person to see
