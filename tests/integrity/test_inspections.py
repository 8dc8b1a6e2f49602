from __future__ import annotations

import datetime
import io
import re
import subprocess

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from integrity import actions
from integrity.models import Checklist, ControlInspection, InspectionItemResult
from supervision.actions import findings as finding_actions
from supervision.models import Attachment, Finding, Notification
from supervision.models.findings import local_today
from supervision.permissions import Role
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.factories import AgencyFactory, DivisionFactory, make_user
from tests.integrity.factories import Result, complete, plan_inspection, record_all
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection(org, inspector):
    return plan_inspection(inspector, org.weihui)


def result_at(inspection, position: int) -> InspectionItemResult:
    return inspection.results.select_related("item").get(item__position=position)


class TestPlanning:
    def test_plan_creates_one_pending_result_per_item_of_the_current_versions(self, org, inspector):
        inspection = plan_inspection(inspector, org.weihui, articles=(7, 8))
        assert inspection.status == ControlInspection.Status.PLANNED
        assert inspection.results.count() == 11
        assert set(inspection.results.values_list("result", flat=True)) == {Result.PENDING}
        assert inspection.lead == inspector

    def test_only_inspectors_reaching_the_agency_plan(self, org, head_weihui, assessor):
        huixian_inspector = make_user("huixian_inspector", [Role.INSPECTOR], org.huixian_bureau)
        for user in (head_weihui, assessor, huixian_inspector):
            with pytest.raises(PermissionDenied):
                plan_inspection(user, org.weihui)

    def test_team_members_must_reach_the_agency(self, org, inspector):
        huixian_inspector = make_user("huixian_inspector", [Role.INSPECTOR], org.huixian_bureau)
        with pytest.raises(PermissionDenied):
            plan_inspection(inspector, org.weihui, team=[huixian_inspector])

    def test_team_members_are_notified(self, org, inspector):
        colleague = make_user("colleague", [Role.INSPECTOR], org.city_bureau)
        plan_inspection(inspector, org.weihui, team=[colleague])
        assert Notification.objects.filter(recipient=colleague, title__startswith="内控检查任务").exists()


class TestRecording:
    def test_first_result_starts_the_inspection_and_stores_evidence(self, inspection, inspector):
        result = result_at(inspection, 4)
        actions.inspection_record_result(
            result,
            acting_user=inspector,
            outcome=Result.NOT_COMPLIANT,
            problem="支出户划拨无审批单",
            notes="2笔共36,000元。",
            severity=Finding.Severity.MAJOR,
            files=[pdf_upload("银行流水.pdf")],
        )
        inspection.refresh_from_db()
        result.refresh_from_db()
        assert inspection.status == ControlInspection.Status.IN_PROGRESS
        assert (result.result, result.problem, result.recorded_by) == (
            Result.NOT_COMPLIANT,
            "支出户划拨无审批单",
            inspector,
        )
        assert Attachment.objects.for_object(result).get().original_name == "银行流水.pdf"

    def test_shortcoming_needs_a_problem_summary(self, inspection, inspector):
        with pytest.raises(TransitionNotAllowed):
            actions.inspection_record_result(result_at(inspection, 1), acting_user=inspector, outcome=Result.PARTLY)

    def test_stale_version_is_refused(self, inspection, inspector):
        result = result_at(inspection, 1)
        actions.inspection_record_result(result, acting_user=inspector, outcome=Result.COMPLIANT, version=1)
        with pytest.raises(EditConflict):
            actions.inspection_record_result(
                result, acting_user=inspector, outcome=Result.NOT_COMPLIANT, problem="x", version=1
            )
        result.refresh_from_db()
        assert result.result == Result.COMPLIANT

    def test_outside_the_team_may_not_record(self, org, inspection):
        colleague = make_user("colleague", [Role.INSPECTOR], org.city_bureau)
        with pytest.raises(PermissionDenied):
            actions.inspection_record_result(result_at(inspection, 1), acting_user=colleague, outcome=Result.COMPLIANT)


class TestCompletion:
    def test_one_finding_per_partly_or_not_compliant_item(self, org, inspection, inspector, head_weihui):
        record_all(inspection, inspector, {3: Result.PARTLY, 4: Result.NOT_COMPLIANT, 6: Result.NOT_APPLICABLE})
        deadline = local_today() + datetime.timedelta(days=15)
        findings = complete(inspection, inspector, deadline=deadline)
        inspection.refresh_from_db()
        assert inspection.status == ControlInspection.Status.COMPLETED
        assert len(findings) == 2
        assert sorted(f.article for f in findings) == ["第八条（三）", "第八条（四）"]
        result_type = ContentType.objects.get_for_model(InspectionItemResult)
        for position in (3, 4):
            result = result_at(inspection, position)
            finding = Finding.objects.get(source_type=result_type, source_id=result.pk)
            assert result.finding == finding
            assert finding.source == Finding.Source.CONTROL_INSPECTION
            assert finding.deadline == deadline
            assert finding.agency == org.weihui
            assert finding.title == result.problem
            assert result.item.text in finding.description
        assert Finding.objects.count() == 2
        assert Notification.objects.filter(recipient=head_weihui, title__startswith="内控检查已完成").exists()

    def test_completing_twice_is_refused_and_raises_no_more_findings(self, inspection, inspector):
        record_all(inspection, inspector, {2: Result.NOT_COMPLIANT})
        complete(inspection, inspector)
        with pytest.raises(TransitionNotAllowed):
            complete(inspection, inspector)
        with pytest.raises(TransitionNotAllowed):
            complete(inspection, inspector, version=inspection.version)
        assert Finding.objects.count() == 1

    def test_pending_items_block_completion(self, inspection, inspector):
        actions.inspection_record_result(result_at(inspection, 1), acting_user=inspector, outcome=Result.COMPLIANT)
        with pytest.raises(TransitionNotAllowed, match="还有 5 项未检查"):
            complete(inspection, inspector)
        inspection.refresh_from_db()
        assert inspection.status == ControlInspection.Status.IN_PROGRESS
        assert not Finding.objects.exists()

    def test_completed_inspection_is_locked(self, inspection, inspector):
        record_all(inspection, inspector)
        complete(inspection, inspector)
        with pytest.raises(TransitionNotAllowed):
            actions.inspection_record_result(
                result_at(inspection, 1), acting_user=inspector, outcome=Result.PARTLY, problem="x"
            )
        with pytest.raises(TransitionNotAllowed):
            actions.inspection_cancel(inspection, acting_user=inspector, reason="x")

    def test_cancelled_inspection_cannot_be_completed(self, inspection, inspector):
        record_all(inspection, inspector)
        actions.inspection_cancel(inspection, acting_user=inspector, reason="检查对象调整")
        with pytest.raises(TransitionNotAllowed):
            complete(inspection, inspector)


class TestVisibility:
    def test_head_sees_completed_inspections_of_their_agency_only(self, client, org, inspector, head_weihui):
        planned = plan_inspection(inspector, org.weihui, title="计划中的检查")
        done = plan_inspection(inspector, org.weihui, title="已完成的检查")
        record_all(done, inspector)
        complete(done, inspector)
        other = plan_inspection(inspector, org.huixian, title="辉县市的检查")
        record_all(other, inspector)
        complete(other, inspector)
        client.force_login(head_weihui)
        body = client.get(reverse("integrity:inspection_list")).content.decode()
        assert "已完成的检查" in body
        assert "计划中的检查" not in body and "辉县市的检查" not in body
        assert client.get(reverse("integrity:inspection_detail", args=[done.pk])).status_code == 200
        assert client.get(reverse("integrity:inspection_detail", args=[planned.pk])).status_code == 404
        assert client.get(reverse("integrity:inspection_detail", args=[other.pk])).status_code == 404

    def test_detail_shows_findings_with_their_rectification_status(self, client, inspection, inspector, head_weihui):
        record_all(inspection, inspector, {4: Result.NOT_COMPLIANT})
        (finding,) = complete(inspection, inspector)
        finding_actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        client.force_login(head_weihui)
        body = client.get(reverse("integrity:inspection_detail", args=[inspection.pk])).content.decode()
        assert reverse("findings:detail", args=[finding.pk]) in body
        assert "待核验" in body
        assert "save-item" not in body  # read only for the agency

    def test_evidence_download_follows_the_inspection(self, client, inspection, inspector, head_weihui, head_huixian):
        result = result_at(inspection, 1)
        actions.inspection_record_result(result, acting_user=inspector, outcome=Result.COMPLIANT, files=[pdf_upload()])
        token = Attachment.objects.for_object(result).get().token
        client.force_login(head_weihui)  # not completed yet: the agency does not see it
        assert client.get(reverse("attachment_download", args=[token])).status_code == 404
        client.force_login(inspector)
        assert client.get(reverse("attachment_download", args=[token])).status_code == 200
        client.force_login(head_huixian)
        assert client.get(reverse("attachment_download", args=[token])).status_code == 404


class TestPages:
    def test_plan_through_the_form(self, client, org, inspector):
        client.force_login(inspector)
        assert client.get(reverse("integrity:inspection_new")).status_code == 200
        response = client.post(
            reverse("integrity:inspection_new"),
            {
                "agency": org.weihui.pk,
                "checklists": [Checklist.objects.get(article=8).pk],
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "planned_on": local_today().isoformat(),
            },
        )
        inspection = ControlInspection.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("integrity:inspection_detail", args=[inspection.pk])
        assert inspection.title.startswith("卫辉市社保中心") and "第八条" in inspection.title

    def test_plan_with_bad_period_writes_nothing_and_says_why(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("integrity:inspection_new"),
            {
                "agency": org.weihui.pk,
                "checklists": [Checklist.objects.get(article=8).pk],
                "period_start": "2025-12-31",
                "period_end": "2025-01-01",
                "planned_on": local_today().isoformat(),
            },
        )
        assert response.status_code == 400
        assert "检查期间止不能早于检查期间起" in response.content.decode()
        assert not ControlInspection.objects.exists()

    def test_team_choices_stay_within_reach(self, client, org, inspector):
        from supervision.models import Agency, City

        city = City.objects.create(name="安阳市", code="410500")
        far = Agency.objects.create(city=city, kind=Agency.Kind.CITY_BUREAU, name="安阳市人力资源和社会保障局")
        make_user("anyang_inspector", [Role.INSPECTOR], far)
        make_user("colleague", [Role.INSPECTOR], org.city_bureau)
        client.force_login(inspector)
        body = client.get(reverse("integrity:inspection_new")).content.decode()
        assert "colleague的姓名" in body and "anyang_inspector的姓名" not in body

    def test_edit_the_plan_adds_a_member_who_is_notified(self, client, org, inspection, inspector, head_huixian):
        colleague = make_user("colleague", [Role.INSPECTOR], org.city_bureau)
        url = reverse("integrity:inspection_edit", args=[inspection.pk])
        client.force_login(inspector)
        assert client.get(url).status_code == 200
        data = {
            "title": "改名后的检查",
            "period_start": "2025-01-01",
            "period_end": "2025-06-30",
            "planned_on": local_today().isoformat(),
            "team": [colleague.pk],
            "version": inspection.version,
        }
        assert client.post(url, data).status_code == 302
        inspection.refresh_from_db()
        assert inspection.title == "改名后的检查" and list(inspection.team.all()) == [colleague]
        assert Notification.objects.filter(recipient=colleague, title__startswith="内控检查任务").exists()
        response = client.post(url, {**data, "title": "旧页面"}, follow=True)
        assert "已被他人修改" in response.content.decode()
        inspection.refresh_from_db()
        assert inspection.title == "改名后的检查"
        response = client.post(url, {**data, "period_end": "2024-01-01", "version": inspection.version})
        assert response.status_code == 400
        client.force_login(head_huixian)
        assert client.get(url).status_code == 404

    def test_edit_the_plan_is_for_the_team_and_open_inspections(self, client, org, inspection, inspector):
        url = reverse("integrity:inspection_edit", args=[inspection.pk])
        client.force_login(make_user("colleague", [Role.INSPECTOR], org.city_bureau))
        assert client.get(url).status_code == 403
        record_all(inspection, inspector)
        complete(inspection, inspector)
        client.force_login(inspector)
        response = client.get(url, follow=True)
        assert "不能再修改检查计划" in response.content.decode()

    def test_county_head_may_not_plan(self, client, head_weihui):
        client.force_login(head_weihui)
        assert client.get(reverse("integrity:inspection_new")).status_code == 403

    def test_record_an_item_in_place_with_htmx(self, client, inspection, inspector):
        result = result_at(inspection, 4)
        client.force_login(inspector)
        prefix = f"r{result.pk}"
        response = client.post(
            reverse("integrity:result_update", args=[inspection.pk, result.pk]),
            {
                f"{prefix}-version": result.version,
                f"{prefix}-result": Result.NOT_COMPLIANT,
                f"{prefix}-problem": "支出户划拨无审批单",
                f"{prefix}-notes": "2笔。",
                f"{prefix}-severity": Finding.Severity.MAJOR,
                f"{prefix}-files": [pdf_upload()],
            },
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert f'id="item-{result.pk}"' in body and "不符合" in body and "已保存" in body
        assert 'hx-swap-oob="true"' in body and "已检查 1 / 6 项" in body
        result.refresh_from_db()
        assert result.result == Result.NOT_COMPLIANT

    def test_record_without_problem_summary_answers_400_and_writes_nothing(self, client, inspection, inspector):
        result = result_at(inspection, 4)
        client.force_login(inspector)
        prefix = f"r{result.pk}"
        response = client.post(
            reverse("integrity:result_update", args=[inspection.pk, result.pk]),
            {f"{prefix}-version": 1, f"{prefix}-result": Result.PARTLY, f"{prefix}-severity": "minor"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 400
        assert "须写明问题摘要" in response.content.decode()
        result.refresh_from_db()
        assert result.result == Result.PENDING

    def test_record_permissions_and_method(self, client, org, inspection, inspector, head_weihui, head_huixian):
        result = result_at(inspection, 1)
        url = reverse("integrity:result_update", args=[inspection.pk, result.pk])
        client.force_login(inspector)
        assert client.get(url).status_code == 405
        colleague = make_user("colleague", [Role.INSPECTOR], org.city_bureau)
        client.force_login(colleague)
        assert client.post(url, {f"r{result.pk}-result": Result.COMPLIANT}).status_code == 403
        client.force_login(head_huixian)
        assert client.post(url, {f"r{result.pk}-result": Result.COMPLIANT}).status_code == 404
        result.refresh_from_db()
        assert result.result == Result.PENDING

    def test_complete_through_the_page(self, client, inspection, inspector):
        record_all(inspection, inspector, {5: Result.PARTLY})
        client.force_login(inspector)
        url = reverse("integrity:inspection_complete", args=[inspection.pk])
        data = {
            "conclusion": "总体良好。",
            "deadline": (local_today() + datetime.timedelta(days=10)).isoformat(),
            "version": inspection.version,
        }
        response = client.post(url, data, follow=True)
        assert "部分符合和不符合的条目已作为问题下达整改要求" in response.content.decode()
        response = client.post(url, data, follow=True)
        assert "不能重复完成" in response.content.decode()
        assert Finding.objects.count() == 1

    def test_complete_with_past_deadline_is_refused(self, client, inspection, inspector):
        record_all(inspection, inspector)
        client.force_login(inspector)
        response = client.post(
            reverse("integrity:inspection_complete", args=[inspection.pk]),
            {"conclusion": "x", "deadline": "2000-01-01", "version": inspection.version},
        )
        assert response.status_code == 400
        assert "日期不能早于今天" in response.content.decode()
        inspection.refresh_from_db()
        assert inspection.status == ControlInspection.Status.IN_PROGRESS

    def test_complete_and_cancel_are_post_only_and_for_the_team(self, client, inspection, head_weihui, inspector):
        client.force_login(inspector)
        assert client.get(reverse("integrity:inspection_complete", args=[inspection.pk])).status_code == 405
        assert client.get(reverse("integrity:inspection_cancel", args=[inspection.pk])).status_code == 405
        record_all(inspection, inspector)
        complete(inspection, inspector)
        client.force_login(head_weihui)
        assert (
            client.post(reverse("integrity:inspection_cancel", args=[inspection.pk]), {"reason": "x"}).status_code
            == 403
        )

    def test_cancel_through_the_page(self, client, inspection, inspector):
        client.force_login(inspector)
        client.post(reverse("integrity:inspection_cancel", args=[inspection.pk]), {"reason": "检查对象调整"})
        inspection.refresh_from_db()
        assert (inspection.status, inspection.cancel_reason) == (ControlInspection.Status.CANCELLED, "检查对象调整")

    def test_export_is_scoped(self, client, org, inspector, head_weihui):
        done = plan_inspection(inspector, org.weihui, title="=卫辉市检查")
        record_all(done, inspector, {1: Result.PARTLY})
        complete(done, inspector)
        plan_inspection(inspector, org.huixian, title="辉县市检查")
        client.force_login(head_weihui)
        response = client.get(reverse("integrity:inspection_export"))
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [row[1] for row in rows] == ["'=卫辉市检查"]
        assert rows[0][8] == 1

    def test_list_query_count_does_not_grow(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        url = reverse("integrity:inspection_list")
        plan_inspection(inspector, org.weihui)
        client.get(url)
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        for index in range(12):
            agency = AgencyFactory(division=DivisionFactory(city=org.city))
            done = plan_inspection(inspector, agency, title=f"检查{index}")
            record_all(done, inspector, {2: Result.PARTLY})
            complete(done, inspector)
        with django_assert_max_num_queries(20) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_detail_query_count_does_not_grow_with_items(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        small_inspection = plan_inspection(inspector, org.weihui, articles=(9,))
        big_inspection = plan_inspection(inspector, org.weihui, articles=(7, 8, 9, 10))
        record_all(big_inspection, inspector, {1: Result.PARTLY})
        client.get(reverse("integrity:inspection_detail", args=[small_inspection.pk]))
        with django_assert_max_num_queries(40) as small:
            client.get(reverse("integrity:inspection_detail", args=[small_inspection.pk]))
        with django_assert_max_num_queries(40) as large:
            client.get(reverse("integrity:inspection_detail", args=[big_inspection.pk]))
        assert len(large.captured_queries) <= len(small.captured_queries) + 2


class TestReport:
    def test_report_pdf_holds_items_results_findings_and_signatures(self, client, inspection, inspector, head_weihui):
        record_all(inspection, inspector, {3: Result.PARTLY, 4: Result.NOT_COMPLIANT})
        complete(inspection, inspector, conclusion="基金安全管理总体规范。")
        inspection.refresh_from_db()
        assert re.fullmatch(r"新人社内控〔\d{4}〕\d+号", inspection.report_number)
        client.force_login(head_weihui)
        response = client.get(reverse("integrity:inspection_report", args=[inspection.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        text = re.sub(r"\s+", "", pdf_text(response.content))
        for expected in (
            "内控检查报告",
            inspection.report_number,
            "卫辉市社会保险中心",
            "第八条（六）",
            "依法需要管理的其他事项。",
            "部分符合",
            "不符合",
            "第八条（四）存在问题",
            "基金安全管理总体规范。",
            "被检查单位负责人（签字）",
            "检查组长（签字）",
        ):
            assert expected in text, expected

    def test_report_only_for_completed_visible_inspections(self, client, inspection, inspector, head_huixian):
        client.force_login(inspector)
        assert client.get(reverse("integrity:inspection_report", args=[inspection.pk])).status_code == 404
        record_all(inspection, inspector)
        complete(inspection, inspector)
        assert client.get(reverse("integrity:inspection_report", args=[inspection.pk])).status_code == 200
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:inspection_report", args=[inspection.pk])).status_code == 404

    def test_report_numbers_are_sequential(self, org, inspector):
        numbers = []
        for agency in (org.weihui, org.huixian):
            inspection = plan_inspection(inspector, agency)
            record_all(inspection, inspector)
            complete(inspection, inspector)
            inspection.refresh_from_db()
            numbers.append(int(re.search(r"〕(\d+)号", inspection.report_number).group(1)))
        assert numbers[1] == numbers[0] + 1


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
