"""Tell people about things: an in-app notification always, an email when they have an address.

The notification row is written in the caller's transaction, so it exists whenever the record it
is about exists. Mail goes out after commit; a failing mail server or a stopped Redis never breaks
the request and never loses the notification: `retry_unsent_mail_task` (Celery beat) tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision.models import Notification

logger = logging.getLogger(__name__)

MAX_MAIL_ATTEMPTS = 8


def notify(
    recipients: Iterable[Any], title: str, *, body: str = "", url: str = "", key: str = ""
) -> list[Notification]:
    """Notify each distinct, active recipient once; with `key`, never twice for the same key."""
    created = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        notification = _create_once(user, title, body, url, key)
        if notification is not None:
            created.append(notification)
    if created:
        ids = [notification.pk for notification in created]
        transaction.on_commit(lambda: queue_mail(ids))
    return created


def _create_once(user: Any, title: str, body: str, url: str, key: str) -> Notification | None:
    fields = {"title": title[:200], "body": body, "url": url[:300], "mail_skipped": not user.email}
    if not key:
        return Notification.objects.create(recipient=user, **fields)
    if Notification.objects.filter(recipient=user, key=key).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(recipient=user, key=key[:150], **fields)
    except IntegrityError:  # a concurrent sweep notified first
        return None


def queue_mail(notification_ids: list[int]) -> None:
    """Hand the mail to Celery; if the queue is down, the periodic retry picks it up later."""
    from supervision.tasks import send_notification_mail_task

    for pk in notification_ids:
        try:
            send_notification_mail_task.delay(pk)
        except Exception:
            logger.warning("could not queue mail for notification %s; it will be retried", pk, exc_info=True)


def send_notification_mail(notification_id: int) -> bool:
    """Send one notification's mail at most once; record a failure instead of raising it."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at or notification.mail_skipped:
            return False
        notification.mail_attempts += 1
        notification.mail_last_attempt_at = timezone.now()
        try:
            link = f"\n\n{settings.PORTAL_BASE_URL}{notification.url}" if notification.url else ""
            send_mail(
                subject=_("【社会保险经办管理监督平台】%(title)s") % {"title": notification.title},
                message=f"{notification.body}{link}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.recipient.email],
            )
        except Exception as error:
            notification.mail_error = str(error)[:300]
            notification.save(update_fields=["mail_attempts", "mail_last_attempt_at", "mail_error"])
            logger.warning("mail for notification %s failed: %s", notification_id, error)
            return False
        notification.emailed_at = timezone.now()
        notification.mail_error = ""
        notification.save(update_fields=["mail_attempts", "mail_last_attempt_at", "mail_error", "emailed_at"])
        return True


def mail_due_for_retry(now: Any | None = None) -> list[int]:
    """Unsent mail whose back-off has passed: 5 minutes after the first failure, doubling each time."""
    now = now or timezone.now()
    due = []
    pending = Notification.objects.mail_pending().filter(mail_attempts__lt=MAX_MAIL_ATTEMPTS)
    for pk, attempts, last in pending.values_list("pk", "mail_attempts", "mail_last_attempt_at")[:500]:
        if last is None or now - last >= timedelta(minutes=5 * 2 ** max(attempts - 1, 0)):
            due.append(pk)
    return due
