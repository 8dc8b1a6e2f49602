from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from supervision.actions import findings as actions
from supervision.models import Attachment, Finding, FindingEvent, Notification
from supervision.models.findings import local_today
from supervision.permissions import Role
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.factories import AgencyFactory, DivisionFactory, make_user
from tests.supervision.factories import pdf_upload, raise_finding

pytestmark = pytest.mark.django_db

Kind = FindingEvent.Kind


@pytest.fixture
def finding(org, inspector, head_weihui):
    return raise_finding(inspector, org.weihui)


class TestLifecycle:
    def test_answer_reject_answer_accept_reopen(self, finding, inspector, head_weihui):
        actions.finding_answer(finding, acting_user=head_weihui, text="已补齐审批单。", files=[pdf_upload()])
        finding.refresh_from_db()
        assert finding.status == Finding.Status.ANSWERED

        actions.finding_verify(finding, acting_user=inspector, accepted=False, text="审批单日期晚于划拨日期。")
        finding.refresh_from_db()
        assert (finding.status, finding.round) == (Finding.Status.RECTIFYING, 2)

        actions.finding_answer(finding, acting_user=head_weihui, text="已追责并完善制度。")
        actions.finding_verify(finding, acting_user=inspector, accepted=True, text="整改到位。")
        finding.refresh_from_db()
        assert finding.status == Finding.Status.CLOSED
        assert finding.closed_at is not None

        new_deadline = local_today() + datetime.timedelta(days=10)
        actions.finding_reopen(finding, acting_user=inspector, reason="复查发现同类问题。", deadline=new_deadline)
        finding.refresh_from_db()
        assert (finding.status, finding.round, finding.deadline) == (Finding.Status.RECTIFYING, 3, new_deadline)
        assert finding.closed_at is None

        kinds = list(finding.events.values_list("kind", flat=True))
        assert kinds == [Kind.RAISED, Kind.ANSWERED, Kind.REJECTED, Kind.ANSWERED, Kind.ACCEPTED, Kind.REOPENED]
        assert finding.history.count() == 6
        assert finding.history.first().history_change_reason == "复查发现同类问题。"
        answered = finding.events.filter(kind=Kind.ANSWERED).first()
        assert Attachment.objects.for_object(answered).get().original_name == "整改报告.pdf"

    def test_illegal_moves_are_refused(self, finding, inspector, head_weihui):
        with pytest.raises(TransitionNotAllowed):
            actions.finding_verify(finding, acting_user=inspector, accepted=True)
        with pytest.raises(TransitionNotAllowed):
            actions.finding_reopen(finding, acting_user=inspector, reason="x", deadline=local_today())
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        with pytest.raises(TransitionNotAllowed):
            actions.finding_answer(finding, acting_user=head_weihui, text="再答复一次。")
        finding.refresh_from_db()
        assert finding.status == Finding.Status.ANSWERED

    def test_stale_version_is_refused_and_nothing_is_overwritten(self, finding, inspector, head_weihui):
        seen = finding.version
        actions.finding_change_deadline(
            finding,
            acting_user=inspector,
            deadline=local_today() + datetime.timedelta(days=40),
            reason="延期",
            version=seen,
        )
        with pytest.raises(EditConflict):
            actions.finding_answer(finding, acting_user=head_weihui, text="基于旧页面的答复", version=seen)
        finding.refresh_from_db()
        assert finding.status == Finding.Status.RECTIFYING
        assert not finding.events.filter(kind=Kind.ANSWERED).exists()

    def test_a_finding_raised_in_error_is_withdrawn_with_a_reason_never_deleted(
        self, client, finding, inspector, head_weihui
    ):
        client.force_login(inspector)
        url = reverse("findings:withdraw", args=[finding.pk])
        assert client.post(url, {"reason": "", "version": finding.version}).status_code == 400
        response = client.post(url, {"reason": "经复核系误报。", "version": finding.version})
        assert response.status_code == 302
        finding.refresh_from_db()
        assert finding.status == Finding.Status.WITHDRAWN
        assert finding.events.last().kind == Kind.WITHDRAWN and finding.events.last().text == "经复核系误报。"
        assert finding.history.first().history_change_reason == "经复核系误报。"
        assert Notification.objects.filter(recipient=head_weihui, title__startswith="问题已撤销").exists()
        # Withdrawn: neither open nor overdue, and no further moves.
        assert not Finding.objects.unresolved().filter(pk=finding.pk).exists()
        assert not finding.overdue_on(finding.deadline + datetime.timedelta(days=1))
        for move in (
            lambda: actions.finding_answer(finding, acting_user=head_weihui, text="答复"),
            lambda: actions.finding_withdraw(finding, acting_user=inspector, reason="再撤一次"),
            lambda: actions.finding_change_deadline(
                finding, acting_user=inspector, deadline=local_today() + datetime.timedelta(days=9), reason="延期"
            ),
        ):
            with pytest.raises(TransitionNotAllowed):
                move()
        with pytest.raises(PermissionDenied):
            actions.finding_withdraw(finding, acting_user=head_weihui, reason="单位自己撤销")

    def test_raise_notifies_the_agency_head_and_answer_notifies_the_finder(self, finding, inspector, head_weihui):
        assert Notification.objects.filter(recipient=head_weihui, title__contains=finding.title).exists()
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        assert Notification.objects.filter(recipient=inspector, title__startswith="整改答复待核验").exists()


class TestPermissions:
    def test_county_head_cannot_answer_another_countys_finding(self, finding, head_huixian):
        with pytest.raises(PermissionDenied):
            actions.finding_answer(finding, acting_user=head_huixian, text="越权答复")

    def test_staff_without_the_role_cannot_answer_or_verify(self, finding, staff_weihui, head_weihui):
        with pytest.raises(PermissionDenied):
            actions.finding_answer(finding, acting_user=staff_weihui, text="x")
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        with pytest.raises(PermissionDenied):
            actions.finding_verify(finding, acting_user=staff_weihui, accepted=True)
        with pytest.raises(PermissionDenied):
            actions.finding_verify(finding, acting_user=head_weihui, accepted=True)

    def test_another_inspector_reaching_the_agency_may_verify_one_who_does_not_may_not(self, org, finding, head_weihui):
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        huixian_inspector = make_user("huixian_inspector", [Role.INSPECTOR], org.huixian_bureau)
        with pytest.raises(PermissionDenied):
            actions.finding_verify(finding, acting_user=huixian_inspector, accepted=True)
        colleague = make_user("colleague", [Role.INSPECTOR], org.city_bureau)
        actions.finding_verify(finding, acting_user=colleague, accepted=True)

    def test_only_inspectors_raise_findings_directly(self, org, head_weihui, assessor):
        for user in (head_weihui, assessor):
            with pytest.raises(PermissionDenied):
                raise_finding(user, org.weihui)

    def test_responsible_person_must_work_at_the_agency(self, org, inspector, head_huixian):
        with pytest.raises(PermissionDenied):
            raise_finding(inspector, org.weihui, responsible=head_huixian.person)


class TestPages:
    def test_list_shows_own_county_only(self, client, org, finding, inspector, head_huixian):
        raise_finding(inspector, org.huixian, title="辉县市的问题")
        client.force_login(head_huixian)
        body = client.get(reverse("findings:list")).content.decode()
        assert "辉县市的问题" in body
        assert finding.title not in body

    def test_filters_overdue_and_status(self, client, org, finding, inspector):
        late = raise_finding(
            inspector, org.huixian, title="逾期的问题", found_on=local_today() - datetime.timedelta(days=30)
        )
        Finding.objects.filter(pk=late.pk).update(deadline=local_today() - datetime.timedelta(days=1))
        client.force_login(inspector)
        body = client.get(reverse("findings:list"), {"overdue": "yes"}).content.decode()
        assert "逾期的问题" in body and finding.title not in body
        body = client.get(reverse("findings:list"), {"status": "closed"}).content.decode()
        assert "逾期的问题" not in body and finding.title not in body

    def test_export_is_scoped_filtered_and_neutralises_formulas(self, client, org, inspector, head_weihui):
        raise_finding(inspector, org.weihui, title='=HYPERLINK("http://evil")')
        raise_finding(inspector, org.huixian, title="辉县市的问题")
        client.force_login(head_weihui)
        response = client.get(reverse("findings:export"))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        titles = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert titles == ['\'=HYPERLINK("http://evil")']

    def test_other_county_gets_404_on_detail_and_actions(self, client, finding, head_huixian):
        client.force_login(head_huixian)
        assert client.get(reverse("findings:detail", args=[finding.pk])).status_code == 404
        response = client.post(reverse("findings:answer", args=[finding.pk]), {"text": "越权"})
        assert response.status_code == 404

    def test_head_answers_with_a_file_and_the_inspector_downloads_it(self, client, finding, head_weihui, inspector):
        client.force_login(head_weihui)
        response = client.post(
            reverse("findings:answer", args=[finding.pk]),
            {"text": "已补齐审批单。", "version": finding.version, "files": [pdf_upload()]},
        )
        assert response.status_code == 302
        finding.refresh_from_db()
        assert finding.status == Finding.Status.ANSWERED
        attachment = Attachment.objects.get()
        client.force_login(inspector)
        download = client.get(reverse("attachment_download", args=[attachment.token]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF-")

    def test_answer_with_empty_text_writes_nothing_and_says_why(self, client, finding, head_weihui):
        client.force_login(head_weihui)
        response = client.post(reverse("findings:answer", args=[finding.pk]), {"text": "", "version": finding.version})
        assert response.status_code == 400
        assert "这个字段是必填项" in response.content.decode()
        finding.refresh_from_db()
        assert finding.status == Finding.Status.RECTIFYING

    def test_stale_form_shows_a_conflict_message(self, client, finding, head_weihui):
        client.force_login(head_weihui)
        response = client.post(
            reverse("findings:answer", args=[finding.pk]), {"text": "答复", "version": finding.version - 1}, follow=True
        )
        assert "已被他人修改" in response.content.decode()
        finding.refresh_from_db()
        assert finding.status == Finding.Status.RECTIFYING

    def test_staff_cannot_verify_and_get_is_not_allowed(self, client, finding, head_weihui, staff_weihui):
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        client.force_login(staff_weihui)
        assert client.post(reverse("findings:verify", args=[finding.pk]), {"decision": "accept"}).status_code == 403
        assert client.get(reverse("findings:verify", args=[finding.pk])).status_code == 405

    def test_rejection_needs_a_reason(self, client, finding, head_weihui, inspector):
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        client.force_login(inspector)
        response = client.post(
            reverse("findings:verify", args=[finding.pk]), {"decision": "reject", "text": "", "version": 2}
        )
        assert response.status_code == 400
        assert "退回整改时须写明理由" in response.content.decode()

    def test_inspector_records_a_finding_through_the_form(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("findings:new"),
            {
                "agency": org.weihui.pk,
                "source": Finding.Source.CONTROL_INSPECTION,
                "article": "第七条（二）",
                "severity": Finding.Severity.MINOR,
                "title": "未按月对账",
                "description": "5月对账单缺失。",
                "deadline": (local_today() + datetime.timedelta(days=15)).isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        finding = Finding.objects.get(title="未按月对账")
        assert response.status_code == 302 and response["Location"] == reverse("findings:detail", args=[finding.pk])

    def test_county_head_may_not_open_the_new_finding_page(self, client, head_weihui):
        client.force_login(head_weihui)
        assert client.get(reverse("findings:new")).status_code == 403

    def test_list_query_count_does_not_grow(self, client, org, inspector, head_weihui, django_assert_max_num_queries):
        client.force_login(inspector)
        url = reverse("findings:list")
        raise_finding(inspector, org.weihui)
        client.get(url)
        with django_assert_max_num_queries(15) as small:
            client.get(url)
        for index in range(20):
            agency = AgencyFactory(division=DivisionFactory(city=org.city))
            raise_finding(inspector, agency, title=f"问题{index}")
        with django_assert_max_num_queries(15) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_detail_shows_thread_and_history(self, client, finding, head_weihui, inspector):
        actions.finding_answer(finding, acting_user=head_weihui, text="已补齐审批单。")
        client.force_login(inspector)
        body = client.get(reverse("findings:detail", args=[finding.pk])).content.decode()
        assert "已补齐审批单。" in body
        assert "变更记录" in body
        assert "核验整改情况" in body


class TestDashboard:
    def test_counts_per_role(self, client, org, finding, inspector, head_weihui):
        client.force_login(head_weihui)
        body = client.get(reverse("dashboard")).content.decode()
        assert "待我单位答复" in body
        actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        client.force_login(inspector)
        body = client.get(reverse("dashboard")).content.decode()
        assert "待我核验" in body
