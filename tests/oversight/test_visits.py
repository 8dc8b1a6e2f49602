"""第十四条: supervision and guidance visits by city and county HRSS departments."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from supervision.actions import oversight as actions
from supervision.models import Finding, GuidanceVisit, Notification
from supervision.models.findings import local_today
from supervision.workflow import TransitionNotAllowed
from tests.factories import AgencyFactory, DivisionFactory

pytestmark = pytest.mark.django_db


def plan(user, agency, days: int = 5) -> GuidanceVisit:
    return actions.visit_plan(
        acting_user=user, agency=agency, planned_on=local_today() + datetime.timedelta(days=days), topics="档案管理"
    )


def test_a_county_bureau_plans_for_its_own_county_and_the_head_is_told(org, reviewer_huixian, head_huixian):
    visit = plan(reviewer_huixian, org.huixian)
    assert visit.organiser == org.huixian_bureau
    assert Notification.objects.filter(recipient=head_huixian, title__startswith="业务监督指导通知").exists()
    with pytest.raises(PermissionDenied):
        plan(reviewer_huixian, org.weihui)


def test_record_done_then_findings_with_suggestions(org, inspector):
    visit = plan(inspector, org.weihui, days=-1)
    with pytest.raises(PermissionDenied):  # problems are recorded once the visit has taken place
        actions.record_finding(
            visit, acting_user=inspector, agency=org.weihui, article="第七条（五）", title="x", description="x",
            deadline=local_today(),
        )  # fmt: skip
    visit = actions.visit_record(visit, acting_user=inspector, visited_on=local_today(), notes="抽查档案30卷。")
    assert visit.status == GuidanceVisit.Status.DONE
    finding = actions.record_finding(
        visit,
        acting_user=inspector,
        agency=org.weihui,
        article="第七条（五）",
        title="业务档案归档不及时",
        description="6卷未按月归档。",
        suggestion="建立月度归档台账。",
        deadline=local_today() + datetime.timedelta(days=30),
    )
    assert (finding.source, finding.source_record) == (Finding.Source.GUIDANCE_VISIT, visit)
    with pytest.raises(TransitionNotAllowed):
        actions.visit_cancel(visit, acting_user=inspector, reason="x")


def test_a_visit_cannot_be_recorded_as_done_in_the_future(org, inspector):
    visit = plan(inspector, org.weihui)
    with pytest.raises(TransitionNotAllowed):
        actions.visit_record(
            visit, acting_user=inspector, visited_on=local_today() + datetime.timedelta(days=1), notes="x"
        )


class TestPages:
    def test_inspector_plans_records_and_cancels_through_the_pages(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:visit_new"),
            {"agency": org.weihui.pk, "planned_on": local_today().isoformat(), "topics": "待遇资格认证"},
        )
        visit = GuidanceVisit.objects.get()
        assert response["Location"] == reverse("oversight:visit_detail", args=[visit.pk])
        url = reverse("oversight:visit_record", args=[visit.pk])
        assert client.get(url).status_code == 405
        response = client.post(url, {"visited_on": local_today().isoformat(), "notes": "", "version": visit.version})
        assert response.status_code == 400
        visit.refresh_from_db()
        assert visit.status == GuidanceVisit.Status.PLANNED
        client.post(url, {"visited_on": local_today().isoformat(), "notes": "听取汇报。", "version": visit.version})
        visit.refresh_from_db()
        assert (visit.status, visit.notes) == (GuidanceVisit.Status.DONE, "听取汇报。")
        assert client.get(reverse("oversight:visit_finding", args=[visit.pk])).status_code == 200

    def test_cancel_needs_a_reason(self, client, org, inspector):
        visit = plan(inspector, org.weihui)
        client.force_login(inspector)
        url = reverse("oversight:visit_cancel", args=[visit.pk])
        assert client.post(url, {"reason": "", "version": visit.version}).status_code == 400
        client.post(url, {"reason": "与审计检查时间冲突", "version": visit.version})
        visit.refresh_from_db()
        assert (visit.status, visit.cancel_reason) == (GuidanceVisit.Status.CANCELLED, "与审计检查时间冲突")

    def test_other_county_gets_404_and_the_head_may_only_read(self, client, org, inspector, head_weihui, head_huixian):
        visit = plan(inspector, org.weihui)
        client.force_login(head_huixian)
        assert client.get(reverse("oversight:visit_detail", args=[visit.pk])).status_code == 404
        assert client.post(reverse("oversight:visit_cancel", args=[visit.pk]), {"reason": "x"}).status_code == 404
        client.force_login(head_weihui)
        assert client.get(reverse("oversight:visit_detail", args=[visit.pk])).status_code == 200
        assert client.get(reverse("oversight:visit_new")).status_code == 403
        response = client.post(reverse("oversight:visit_record", args=[visit.pk]), {"notes": "x"})
        assert response.status_code == 403
        visit.refresh_from_db()
        assert visit.status == GuidanceVisit.Status.PLANNED

    def test_list_query_count_does_not_grow(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        url = reverse("oversight:visit_list")
        plan(inspector, org.weihui)
        client.get(url)
        with django_assert_max_num_queries(15) as small:
            client.get(url)
        for _ in range(15):
            plan(inspector, AgencyFactory(division=DivisionFactory(city=org.city)))
        with django_assert_max_num_queries(15) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)
