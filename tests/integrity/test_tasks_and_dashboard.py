from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from integrity.models import Risk
from integrity.tasks import remind_risk_reviews_task
from supervision.models import Notification
from supervision.models.findings import local_today
from tests.integrity.factories import Result, make_risk, plan_inspection, record_all

REMINDER = "风险待复核"


def test_beat_runs_the_risk_review_reminder_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-risk-reviews"]
    assert entry["task"] == "integrity.tasks.remind_risk_reviews_task"
    assert entry["schedule"].hour == {7}


@pytest.mark.django_db(transaction=True)
def test_reminder_task_on_a_real_worker_notifies_each_owner_once(celery_worker, org, head_weihui, staff_weihui):
    due = make_risk(head_weihui, org.weihui, owner=staff_weihui.person, title="到期的风险")
    Risk.objects.filter(pk=due.pk).update(next_review_on=local_today() - datetime.timedelta(days=1))
    make_risk(head_weihui, org.weihui, title="未到期的风险")
    unowned = make_risk(head_weihui, org.weihui, title="无责任人的风险")
    Risk.objects.filter(pk=unowned.pk).update(next_review_on=local_today())

    assert remind_risk_reviews_task.delay().get(timeout=30) == 2
    assert remind_risk_reviews_task.delay().get(timeout=30) == 0
    reminders = Notification.objects.filter(title__startswith=REMINDER)
    assert {(n.recipient.username, n.title) for n in reminders} == {
        ("staff_weihui", "风险待复核：到期的风险"),
        ("head_weihui", "风险待复核：无责任人的风险"),
    }


@pytest.mark.django_db
class TestDashboard:
    def test_inspector_sees_inspections_to_complete(self, client, org, inspector):
        plan_inspection(inspector, org.weihui)
        done = plan_inspection(inspector, org.huixian)
        record_all(done, inspector, {1: Result.PARTLY})
        client.force_login(inspector)
        body = client.get(reverse("dashboard")).content.decode()
        assert "内控与廉政" in body and "待完成的内控检查" in body

    def test_head_sees_risks_due_for_review(self, client, org, head_weihui):
        risk = make_risk(head_weihui, org.weihui)
        Risk.objects.filter(pk=risk.pk).update(next_review_on=local_today())
        client.force_login(head_weihui)
        body = client.get(reverse("dashboard")).content.decode()
        assert "到期待复核的风险" in body
        assert "?due=yes" in body
        listing = client.get(reverse("integrity:risk_list"), {"due": "yes"}).content.decode()
        assert risk.title in listing

    def test_nav_entry_for_staff_not_for_supervisors(self, client, staff_weihui, supervisor_user):
        client.force_login(staff_weihui)
        assert 'href="/integrity/"' in client.get(reverse("dashboard")).content.decode()
        client.force_login(supervisor_user)
        assert 'href="/integrity/"' not in client.get(reverse("dashboard")).content.decode()

    def test_index_query_count_does_not_grow(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        make_risk(inspector, org.weihui)
        client.get(reverse("integrity:index"))
        with django_assert_max_num_queries(30) as small:
            client.get(reverse("integrity:index"))
        for index in range(10):
            make_risk(inspector, org.huixian, title=f"风险{index}", likelihood=index % 5 + 1)
            plan_inspection(inspector, org.huixian, title=f"检查{index}")
        with django_assert_max_num_queries(30) as large:
            client.get(reverse("integrity:index"))
        assert len(small.captured_queries) == len(large.captured_queries)
