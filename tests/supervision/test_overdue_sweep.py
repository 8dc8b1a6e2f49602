from __future__ import annotations

import datetime

import pytest

from supervision.models import Finding, FindingEvent, Notification
from supervision.models.findings import local_today
from supervision.tasks import mark_overdue_findings_task
from tests.supervision.factories import raise_finding


@pytest.mark.django_db(transaction=True)
def test_sweep_on_a_real_worker_marks_once_and_notifies_once(celery_worker, org, inspector, head_weihui):
    late = raise_finding(inspector, org.weihui, found_on=local_today() - datetime.timedelta(days=30))
    Finding.objects.filter(pk=late.pk).update(deadline=local_today() - datetime.timedelta(days=1))
    on_time = raise_finding(inspector, org.weihui, title="未到期")
    before = Notification.objects.count()

    assert mark_overdue_findings_task.delay().get(timeout=30) == 1
    assert mark_overdue_findings_task.delay().get(timeout=30) == 0

    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_since == local_today() and on_time.overdue_since is None
    assert late.events.filter(kind=FindingEvent.Kind.OVERDUE).count() == 1
    overdue_notes = Notification.objects.filter(title__startswith="整改逾期")
    assert set(overdue_notes.values_list("recipient__username", flat=True)) == {"head_weihui", "inspector"}
    assert Notification.objects.count() == before + 2


@pytest.mark.django_db
def test_new_deadline_clears_the_mark_so_a_later_lapse_is_reported_again(org, inspector):
    from supervision.actions import findings as actions

    late = raise_finding(inspector, org.weihui, found_on=local_today() - datetime.timedelta(days=30))
    Finding.objects.filter(pk=late.pk).update(deadline=local_today() - datetime.timedelta(days=1))
    assert actions.mark_overdue_findings() == 1
    late.refresh_from_db()
    actions.finding_change_deadline(late, acting_user=inspector, deadline=local_today(), reason="延期一天")
    tomorrow = local_today() + datetime.timedelta(days=1)
    assert actions.mark_overdue_findings(tomorrow) == 1


def test_beat_runs_the_sweep_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["mark-overdue-findings"]
    assert entry["task"] == "supervision.tasks.mark_overdue_findings_task"
    assert entry["schedule"].hour == {1}
