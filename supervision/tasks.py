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
