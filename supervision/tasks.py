from __future__ import annotations

from celery import shared_task
from django.db import connection
from django.utils import timezone


@shared_task
def health_task() -> dict[str, str]:
    """Prove that a worker runs, reaches the database and answers: used by monitoring and tests."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "at": timezone.now().isoformat()}


@shared_task(acks_late=True)
def send_notification_mail_task(notification_id: int) -> bool:
    from supervision.notifications import send_notification_mail

    return send_notification_mail(notification_id)


@shared_task
def retry_unsent_mail_task() -> int:
    """Beat: send again the mail that failed or was never queued (e.g. Redis was down)."""
    from supervision.notifications import mail_due_for_retry, send_notification_mail

    return sum(send_notification_mail(pk) for pk in mail_due_for_retry())


@shared_task
def mark_overdue_findings_task() -> int:
    """Beat, daily: mark findings past their rectification deadline and notify once."""
    from supervision.actions.findings import mark_overdue_findings

    return mark_overdue_findings()


@shared_task
def remind_unreturned_leaves_task() -> int:
    """Beat, daily: remind of leaves past their end with no 销假 recorded (第五条); once a day per leave."""
    from supervision.actions.attendance import remind_unreturned

    return remind_unreturned()


@shared_task
def semiannual_reports_sweep_task() -> dict[str, int]:
    """Beat, daily (第十三条): open the half-year's reports, remind before the deadline, mark overdue; once each."""
    from supervision.actions.oversight import semiannual_sweep

    return semiannual_sweep()


@shared_task(acks_late=True)
def apply_attendance_import_task(import_id: int) -> int | None:
    """Apply a big attendance-machine import, all or nothing; a redelivered task finds it done and stops."""
    from supervision.actions.attendance_import import apply_queued

    outcome = apply_queued(import_id)
    return outcome.created if outcome else None
