"""Celery tasks of the assessment: they take primary keys and call the reports module, nothing more."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def render_county_report_task(entry_id: int) -> None:
    """One county's January report (several of these run in parallel across workers)."""
    from assessment.reports import run_entry

    run_entry(entry_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def render_summary_report_task(entry_id: int) -> None:
    """The city summary, after every county of the run; then the run is finished."""
    from assessment.models import ReportRunEntry
    from assessment.reports import finish_run, run_entry

    run_entry(entry_id)
    run_id = ReportRunEntry.objects.filter(pk=entry_id).values_list("run_id", flat=True).first()
    if run_id is not None:
        finish_run(run_id)


@shared_task
def generate_january_reports_task() -> list[int]:
    """Beat, daily in January: the previous year's reports; unchanged inputs reuse the existing versions."""
    from assessment.models import ReportRun
    from assessment.reports import january_years, start_run

    return [start_run(year, trigger=ReportRun.Trigger.SCHEDULE).pk for year in january_years()]


@shared_task
def queue_unqueued_report_runs_task() -> list[int]:
    """Beat: report runs started while Redis was down are queued as soon as it answers again."""
    from assessment.reports import queue_unqueued_runs

    return queue_unqueued_runs()
