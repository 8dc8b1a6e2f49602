from __future__ import annotations

import datetime

import pytest

from supervision.models import DisciplineVisit, Leave, Notification, SignIn
from supervision.tasks import remind_unreturned_leaves_task
from tests.attendance.factories import approved, at, days_from_today


@pytest.mark.django_db(transaction=True)
def test_reminder_on_a_real_worker_notifies_once_a_day(
    celery_worker, org, leader, office, personnel, head_weihui, deputy_weihui, staff_weihui
):
    overdue = approved(staff_weihui, head_weihui, days_from_today(-4), submitted_at=at(days_from_today(-6), 9))
    Leave.objects.filter(pk=overdue.pk).update(due_back_on=days_from_today(-3))
    head_leave = approved(head_weihui, leader, days_from_today(5), acting=deputy_weihui)
    Leave.objects.filter(pk=head_leave.pk).update(
        start_date=days_from_today(-5), end_date=days_from_today(-3), due_back_on=days_from_today(-2)
    )
    approved(head_weihui, leader, days_from_today(20), acting=deputy_weihui)  # not yet due: no reminder
    before = Notification.objects.count()

    first = remind_unreturned_leaves_task.delay().get(timeout=30)
    second = remind_unreturned_leaves_task.delay().get(timeout=30)

    # The staff member and their approver; the head, the office, the personnel section and the leader.
    assert (first, second) == (6, 0)
    reminders = Notification.objects.filter(title__startswith="逾期未销假")
    assert Notification.objects.count() == before + first
    recipients = set(reminders.values_list("recipient__username", flat=True))
    assert {"staff_weihui", "head_weihui", "office", "personnel", "leader"} <= recipients


def test_beat_runs_the_reminder_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-unreturned-leaves"]
    assert entry["task"] == "supervision.tasks.remind_unreturned_leaves_task"
    assert entry["schedule"].hour == {9}


@pytest.mark.django_db
def test_demo_shows_every_state_an_acting_head_and_a_discrepancy(demo_database):
    from supervision.attendance import presiding_person, visit_rows
    from supervision.models import Agency

    states = set(Leave.objects.values_list("status", flat=True))
    assert states == set(Leave.Status.values)
    weihui = Agency.objects.get(division__name="卫辉市", kind=Agency.Kind.COUNTY_AGENCY)
    assert presiding_person(weihui).user.username == "deputy_weihui"
    assert Leave.objects.filter(returned_late=True).exists() and Leave.objects.overdue_return().exists()
    rows, _ = visit_rows(DisciplineVisit.objects.get())
    assert any(row.discrepancy for row in rows)
    assert SignIn.objects.filter(person__user__username="staff_weihui").count() >= 15
    assert SignIn.objects.dates("date", "day").count() >= 15
    first = SignIn.objects.order_by("date").first().date
    assert first >= datetime.date.today() - datetime.timedelta(days=32)
