from __future__ import annotations

from celery import shared_task


@shared_task
def mark_overdue_complaints_task() -> int:
    """Beat, daily: mark complaints past their acceptance or reply deadline and notify once."""
    from complaints.actions import mark_overdue_complaints

    return mark_overdue_complaints()
