"""第十二条: the four supervision channels; supervisors see their own channel only."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from supervision.actions import oversight as actions
from supervision.models import Attachment, Channel, Finding, SupervisionActivity
from supervision.models.findings import local_today
from supervision.models.oversight import ActivityKind
from supervision.permissions import channels_for, visible_activities
from tests.factories import AgencyFactory, DivisionFactory
from tests.oversight.factories import record_activity
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def legislative(org, inspector):
    activity = record_activity(inspector, [org.weihui], files=[pdf_upload("视察报告.pdf")])
    actions.record_finding(
        activity,
        acting_user=inspector,
        agency=org.weihui,
        article="第六条",
        title="服务大厅未设老年人专窗",
        description="高峰时段老年人排队超过40分钟。",
        suggestion="增设老年人服务专窗。",
        deadline=local_today() + datetime.timedelta(days=20),
    )
    return activity


@pytest.fixture
def democratic(org, inspector):
    return record_activity(
        inspector,
        [org.huixian],
        channel=Channel.DEMOCRATIC,
        kind=ActivityKind.STYLE_CHECK,
        body="社会保险委员会",
        title="社保委员会作风建设暗访",
        files=[pdf_upload("暗访记录.pdf")],
    )


class TestSupervisorsSeeTheirChannelOnly:
    def test_channels_come_from_memberships(self, legislator, committee_member, inspector):
        assert channels_for(legislator) == {Channel.LEGISLATIVE}
        assert channels_for(committee_member) == {Channel.DEMOCRATIC}
        assert channels_for(inspector) == frozenset()  # staff see by agency, not by channel

    def test_a_supervisor_of_one_channel_cannot_see_another_channels_records(
        self, client, legislator, legislative, democratic
    ):
        assert list(visible_activities(legislator)) == [legislative]
        client.force_login(legislator)
        body = client.get(reverse("oversight:activity_list")).content.decode()
        assert legislative.title in body and democratic.title not in body
        assert client.get(reverse("oversight:activity_detail", args=[democratic.pk])).status_code == 404
        assert client.get(reverse("oversight:activity_list"), {"channel": Channel.DEMOCRATIC}).status_code == 200
        assert democratic.title not in client.get(reverse("oversight:activity_list"), {"q": "暗访"}).content.decode()
        other_file = Attachment.objects.for_object(democratic).get()
        assert client.get(reverse("attachment_download", args=[other_file.token])).status_code == 404

    def test_and_the_other_way_round(self, client, committee_member, legislative, democratic):
        client.force_login(committee_member)
        assert client.get(reverse("oversight:activity_detail", args=[legislative.pk])).status_code == 404
        assert client.get(reverse("oversight:activity_detail", args=[democratic.pk])).status_code == 200

    def test_supervisor_sees_what_the_activity_covers_without_reaching_the_agencys_pages(
        self, client, legislator, legislative
    ):
        client.force_login(legislator)
        response = client.get(reverse("oversight:activity_detail", args=[legislative.pk]))
        body = response.content.decode()
        assert "卫辉市社保中心" in body and "服务大厅未设老年人专窗" in body
        finding = Finding.objects.get()
        assert reverse("findings:detail", args=[finding.pk]) not in body
        assert client.get(reverse("findings:detail", args=[finding.pk])).status_code == 404
        own_file = Attachment.objects.for_object(legislative).get()
        assert client.get(reverse("attachment_download", args=[own_file.token])).status_code == 200

    def test_supervisor_without_a_channel_sees_nothing(self, client, supervisor_user, legislative):
        client.force_login(supervisor_user)
        assert client.get(reverse("oversight:activity_list")).status_code == 403
        assert client.get(reverse("oversight:activity_detail", args=[legislative.pk])).status_code == 404

    def test_supervisors_have_no_reports_visits_or_inspections(self, client, legislator):
        client.force_login(legislator)
        for name in ("report_list", "visit_list", "inspection_list", "activity_new"):
            assert client.get(reverse(f"oversight:{name}")).status_code == 403, name
        body = client.get(reverse("oversight:index")).content.decode()
        assert reverse("oversight:report_list") not in body

    def test_a_withdrawn_membership_ends_access(self, client, legislator, legislative):
        legislator.channel_memberships.update(is_active=False)
        client.force_login(legislator)
        assert client.get(reverse("oversight:activity_detail", args=[legislative.pk])).status_code == 404


class TestStaffVisibility:
    def test_county_head_sees_activities_about_own_agency_only(self, client, head_weihui, legislative, democratic):
        client.force_login(head_weihui)
        body = client.get(reverse("oversight:activity_list")).content.decode()
        assert legislative.title in body and democratic.title not in body
        assert client.get(reverse("oversight:activity_detail", args=[democratic.pk])).status_code == 404

    def test_county_head_may_not_record_edit_or_void(self, client, head_weihui, legislative):
        client.force_login(head_weihui)
        assert client.get(reverse("oversight:activity_new")).status_code == 403
        assert client.get(reverse("oversight:activity_edit", args=[legislative.pk])).status_code == 403
        response = client.post(reverse("oversight:activity_void", args=[legislative.pk]), {"reason": "x", "version": 1})
        assert response.status_code == 403
        assert client.get(reverse("oversight:activity_finding", args=[legislative.pk])).status_code == 403
        legislative.refresh_from_db()
        assert legislative.voided_at is None


class TestRecording:
    def test_inspector_records_an_activity_through_the_form(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:activity_new"),
            {
                "channel": Channel.ADMINISTRATIVE,
                "kind": ActivityKind.FUND_CHECK,
                "body": "市审计局",
                "title": "社会保险基金专项审计",
                "held_on": (local_today() - datetime.timedelta(days=1)).isoformat(),
                "subjects": [org.weihui.pk, org.huixian.pk],
                "summary": "审计2025年度基金收支。",
                "files": [pdf_upload("审计报告.pdf")],
            },
        )
        activity = SupervisionActivity.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("oversight:activity_detail", args=[activity.pk])
        assert set(activity.subjects.values_list("pk", flat=True)) == {org.weihui.pk, org.huixian.pk}
        assert Attachment.objects.for_object(activity).get().original_name == "审计报告.pdf"

    def test_a_kind_of_another_channel_is_refused_and_nothing_written(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:activity_new"),
            {
                "channel": Channel.SOCIAL,
                "kind": ActivityKind.BUDGET_REVIEW,
                "body": "新乡日报",
                "title": "错配",
                "held_on": local_today().isoformat(),
                "subjects": [org.weihui.pk],
                "summary": "x",
            },
        )
        assert response.status_code == 400
        assert "所选监督方式不属于该监督渠道" in response.content.decode()
        assert not SupervisionActivity.objects.exists()

    def test_the_database_refuses_a_mismatched_kind_too(self, org, inspector):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            record_activity(inspector, [org.weihui], channel=Channel.SOCIAL, kind=ActivityKind.BUDGET_REVIEW)

    def test_subjects_must_be_within_reach(self, org, inspector):
        county_inspector = type(inspector).objects.create(username="x")
        with pytest.raises(PermissionDenied):
            record_activity(county_inspector, [org.weihui])

    def test_edit_changes_subjects_with_a_reason_in_history_and_refuses_a_stale_form(
        self, client, org, inspector, legislative
    ):
        client.force_login(inspector)
        url = reverse("oversight:activity_edit", args=[legislative.pk])
        data = {
            "channel": legislative.channel,
            "kind": legislative.kind,
            "body": legislative.body,
            "title": "修改后的名称",
            "held_on": legislative.held_on.isoformat(),
            "subjects": [org.weihui.pk, org.huixian.pk],
            "summary": legislative.summary,
            "version": legislative.version,
        }
        assert client.post(url, data).status_code == 302
        legislative.refresh_from_db()
        assert legislative.title == "修改后的名称" and legislative.subjects.count() == 2
        assert "被监督单位" in legislative.history.first().history_change_reason
        response = client.post(url, {**data, "title": "旧页面"}, follow=True)
        assert "已被他人修改" in response.content.decode()
        legislative.refresh_from_db()
        assert legislative.title == "修改后的名称"

    def test_void_keeps_the_record_and_says_why(self, client, inspector, legislative):
        client.force_login(inspector)
        url = reverse("oversight:activity_void", args=[legislative.pk])
        assert client.get(url).status_code == 405
        assert client.post(url, {"reason": "", "version": 1}).status_code == 400
        response = client.post(url, {"reason": "重复登记", "version": legislative.version})
        assert response.status_code == 302
        legislative.refresh_from_db()
        assert legislative.voided_at is not None and legislative.void_reason == "重复登记"
        assert client.get(reverse("oversight:activity_edit", args=[legislative.pk])).status_code == 403

    def test_problems_found_become_findings_with_the_activity_as_source(self, client, org, inspector, legislative):
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:activity_finding", args=[legislative.pk]),
            {
                "agency": org.weihui.pk,
                "article": "第十二条（一）",
                "severity": Finding.Severity.MINOR,
                "title": "人大审议意见未按期办理",
                "description": "审议意见办理报告逾期。",
                "suggestion": "明确专人，限期书面报告办理情况。",
                "deadline": (local_today() + datetime.timedelta(days=10)).isoformat(),
            },
        )
        assert response.status_code == 302
        finding = Finding.objects.get(title="人大审议意见未按期办理")
        assert finding.source == Finding.Source.SUPERVISION_CHANNEL
        assert finding.source_record == legislative
        assert finding.suggestion == "明确专人，限期书面报告办理情况。"

    def test_a_finding_needs_a_suggestion_and_an_agency_the_activity_covered(self, client, org, inspector, legislative):
        client.force_login(inspector)
        url = reverse("oversight:activity_finding", args=[legislative.pk])
        data = {
            "agency": org.huixian.pk,
            "article": "第六条",
            "severity": Finding.Severity.MINOR,
            "title": "越界",
            "description": "x",
            "suggestion": "",
            "deadline": (local_today() + datetime.timedelta(days=10)).isoformat(),
        }
        response = client.post(url, data)
        assert response.status_code == 400
        body = response.content.decode()
        assert "这个字段是必填项" in body
        assert not Finding.objects.filter(title="越界").exists()


def test_activity_list_query_count_does_not_grow(client, org, inspector, django_assert_max_num_queries):
    client.force_login(inspector)
    url = reverse("oversight:activity_list")
    record_activity(inspector, [org.weihui])
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for index in range(15):
        agency = AgencyFactory(division=DivisionFactory(city=org.city))
        record_activity(inspector, [agency, org.weihui], title=f"活动{index}")
    with django_assert_max_num_queries(20) as large:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_supervisor_list_query_count_does_not_grow(client, org, inspector, legislator, django_assert_max_num_queries):
    client.force_login(legislator)
    url = reverse("oversight:activity_list")
    record_activity(inspector, [org.weihui])
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for index in range(15):
        record_activity(inspector, [org.weihui, org.huixian], title=f"活动{index}")
    with django_assert_max_num_queries(20) as large:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
