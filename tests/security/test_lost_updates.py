"""Lost updates are impossible where two people can edit the same thing.

Every test here is the same story with two separate browsers (test clients signed in as two people who
may both make the change): both load the page with the form, the first submits, then the second
submits what they prepared on the page they loaded. The second must get the conflict message and
nothing of theirs may be stored: the record keeps the first person's change.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from assessment import actions as assessment_actions
from assessment.models import AssessmentYear, Objection, Team, Track
from complaints import actions as complaint_actions
from complaints.models import Complaint, ReviewCase
from integrity import actions as integrity_actions
from integrity.models import Checklist
from supervision.actions import findings as finding_actions
from supervision.actions import oversight as oversight_actions
from supervision.models import (
    Disclosure,
    Finding,
    FundInspection,
    GuidanceVisit,
    LeaveKind,
    Person,
    SemiannualReport,
    SupervisionActivity,
)
from supervision.models.findings import local_today
from supervision.permissions import Role
from supervision.workflow import EditConflict
from tests.assessment.factories import assessment_of, fill_track, open_year
from tests.attendance.factories import days_from_today, submit
from tests.complaints.factories import accepted
from tests.complaints.factories import submit as submit_complaint
from tests.factories import make_user, verify_two_factor
from tests.integrity.factories import ensure_checklists, make_risk, plan_inspection
from tests.oversight.factories import REPORT_DATA, conclude, open_inspection, open_report, record_activity
from tests.supervision.factories import raise_finding

pytestmark = pytest.mark.django_db

CONFLICT = str(EditConflict.message)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def browser(user: Any, *, two_factor: bool = False) -> Client:
    client = Client()
    if two_factor:
        verify_two_factor(client, user)
    else:
        client.force_login(user)
    return client


def loaded_version(client: Client, page: str, *, after: str = "", field: str = "version") -> str:
    """Open the page as a person would and read the version its form carries (after `after`, if given)."""
    response = client.get(page)
    assert response.status_code == 200, f"{page} answered {response.status_code}"
    html = response.content.decode()
    if after:
        assert after in html, f"{after!r} is not on {page}"
        html = html[html.index(after) :]
    found = re.search(rf'name="{re.escape(field)}" value="(\d*)"', html)
    assert found, f"the form on {page} carries no {field}"
    return found.group(1)


def race(page: str, url: str, first: tuple[Client, dict], second: tuple[Client, dict], *, after: str = "") -> str:
    """Both load `page`, then both submit to `url`; return what the second person sees."""
    (client_a, data_a), (client_b, data_b) = first, second
    version_a = loaded_version(client_a, page, after=after)
    version_b = loaded_version(client_b, page, after=after)
    assert version_a == version_b
    response = client_a.post(url, {**data_a, "version": version_a}, follow=True)
    assert response.status_code == 200
    assert CONFLICT not in response.content.decode()
    response = client_b.post(url, {**data_b, "version": version_b}, follow=True)
    shown = response.content.decode()
    assert CONFLICT in shown, "the second person is not told that someone else changed the record"
    return shown


def day(offset: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=offset)


# ---------------------------------------------------------------------------------------------
# Findings


class TestFindings:
    @pytest.fixture
    def inspector2(self, org):
        return make_user("inspector2", [Role.INSPECTOR], org.city_bureau)

    def test_two_inspectors_changing_the_deadline(self, org, inspector, inspector2):
        finding = raise_finding(inspector, org.weihui)
        page = reverse("findings:detail", args=[finding.pk])
        race(
            page,
            reverse("findings:deadline", args=[finding.pk]),
            (browser(inspector), {"deadline": day(30).isoformat(), "reason": "单位申请延期。"}),
            (browser(inspector2), {"deadline": day(60).isoformat(), "reason": "另行安排。"}),
            after="/deadline/",
        )
        finding.refresh_from_db()
        assert finding.deadline == day(30)

    def test_two_inspectors_verifying_the_same_answer(self, org, inspector, inspector2, head_weihui):
        finding = raise_finding(inspector, org.weihui)
        finding_actions.finding_answer(finding, acting_user=head_weihui, text="已整改。")
        race(
            reverse("findings:detail", args=[finding.pk]),
            reverse("findings:verify", args=[finding.pk]),
            (browser(inspector), {"decision": "accept", "text": ""}),
            (browser(inspector2), {"decision": "reject", "text": "整改不到位。"}),
            after="/verify/",
        )
        finding.refresh_from_db()
        assert finding.status == Finding.Status.CLOSED


# ---------------------------------------------------------------------------------------------
# Complaint handling


class TestComplaintHandling:
    @pytest.fixture
    def handler2(self, org):
        return make_user("handler2", [Role.COMPLAINT_HANDLER], org.city_bureau)

    def test_two_handlers_routing_the_same_complaint(self, org, handler, handler2):
        complaint, _code = submit_complaint(org)
        race(
            reverse("complaints:detail", args=[complaint.pk]),
            reverse("complaints:accept", args=[complaint.pk]),
            (browser(handler), {"unit": org.weihui.pk, "working_days": 10}),
            (browser(handler2), {"unit": org.huixian.pk, "working_days": 20}),
            after="/accept/",
        )
        complaint.refresh_from_db()
        assert (complaint.status, complaint.unit) == (Complaint.Status.ACCEPTED, org.weihui)

    def test_the_handler_and_the_unit_head_replying_at_once(self, org, handler, head_weihui):
        complaint = accepted(org, handler)
        race(
            reverse("complaints:detail", args=[complaint.pk]),
            reverse("complaints:reply", args=[complaint.pk]),
            (browser(handler), {"text": "经查属实，已补发。", "substantiation": "substantiated"}),
            (browser(head_weihui), {"text": "经查不属实。", "substantiation": "unsubstantiated"}),
            after="/reply/",
        )
        complaint.refresh_from_db()
        assert (complaint.reply, complaint.substantiation) == ("经查属实，已补发。", "substantiated")

    def test_two_people_recording_the_complainants_satisfaction(self, org, handler, head_weihui):
        complaint = accepted(org, handler)
        complaint_actions.complaint_reply(
            complaint, acting_user=handler, text="已补发。", substantiation="substantiated"
        )
        race(
            reverse("complaints:detail", args=[complaint.pk]),
            reverse("complaints:rate", args=[complaint.pk]),
            (browser(handler), {"satisfaction": "satisfied", "comment": "电话回访，满意。"}),
            (browser(head_weihui), {"satisfaction": "dissatisfied", "comment": "上门回访。"}),
            after="/rate/",
        )
        complaint.refresh_from_db()
        assert complaint.satisfaction == "satisfied"

    def test_a_rating_from_the_complainant_while_a_handler_has_the_form_open(self, org, handler):
        complaint, _code = submit_complaint(org)
        complaint = complaint_actions.complaint_accept(complaint, acting_user=handler, unit=org.weihui)
        complaint_actions.complaint_reply(
            complaint, acting_user=handler, text="已补发。", substantiation="substantiated"
        )
        staff = browser(handler)
        page = reverse("complaints:detail", args=[complaint.pk])
        version = loaded_version(staff, page, after="/rate/")
        complaint_actions.complaint_rate(complaint, satisfaction="satisfied", comment="很满意")
        response = staff.post(
            reverse("complaints:rate", args=[complaint.pk]),
            {"satisfaction": "dissatisfied", "comment": "", "version": version},
            follow=True,
        )
        assert CONFLICT in response.content.decode()
        complaint.refresh_from_db()
        assert (complaint.satisfaction, complaint.satisfaction_comment) == ("satisfied", "很满意")

    def test_two_handlers_editing_the_same_case(self, org, handler, handler2):
        case = complaint_actions.review_case_record(
            acting_user=handler,
            agency=org.weihui,
            kind=ReviewCase.Kind.RECONSIDERATION,
            applicant_type=ReviewCase.ApplicantType.INDIVIDUAL,
            applicant_name="王五",
            subject=ReviewCase.Subject.BENEFIT,
            summary="不服停发养老金决定。",
            body="新乡市人民政府",
            filed_on=day(-10),
        )
        fields = {
            "kind": "reconsideration",
            "agency": org.weihui.pk,
            "applicant_type": "individual",
            "applicant_name": "王五",
            "subject": "benefit",
            "summary": "不服停发养老金决定。",
            "body": "新乡市人民政府",
            "filed_on": day(-10).isoformat(),
            "outcome": "pending",
        }
        race(
            reverse("complaints:case_detail", args=[case.pk]),
            reverse("complaints:case_update", args=[case.pk]),
            (browser(handler), {**fields, "case_number": "新政复〔2026〕1号"}),
            (browser(handler2), {**fields, "case_number": "新政复〔2026〕2号"}),
        )
        case.refresh_from_db()
        assert case.case_number == "新政复〔2026〕1号"


# ---------------------------------------------------------------------------------------------
# Leave, semiannual reports, supervision records


class TestAttendanceAndSupervision:
    @pytest.fixture
    def inspector2(self, org):
        return make_user("inspector2", [Role.INSPECTOR], org.city_bureau)

    def test_the_head_withdrawing_while_the_presiding_head_approves(self, org, head_weihui, staff_weihui):
        LeaveKind.objects.ensure_defaults()
        leave = submit(staff_weihui, days_from_today(7))
        page = reverse("attendance:leave_detail", args=[leave.pk])
        staff, head = browser(staff_weihui), browser(head_weihui)
        staff_version = loaded_version(staff, page)
        head_version = loaded_version(head, page)
        withdrawn = staff.post(
            reverse("attendance:leave_withdraw", args=[leave.pk]), {"reason": "不去了。", "version": staff_version}
        )
        assert withdrawn.status_code == 302
        response = head.post(
            reverse("attendance:leave_decide", args=[leave.pk]),
            {"decision": "approve", "note": "", "version": head_version},
            follow=True,
        )
        assert CONFLICT in response.content.decode()
        leave.refresh_from_db()
        assert leave.status == leave.Status.WITHDRAWN

    def test_the_head_and_an_administrator_editing_the_same_report(self, org, head_weihui, admin_user):
        report = open_report(org.weihui, 2025, 2)
        fields = {key: value for key, value in REPORT_DATA.items() if value != ""}
        race(
            reverse("oversight:report_edit", args=[report.pk]),
            reverse("oversight:report_edit", args=[report.pk]),
            (browser(head_weihui), {**fields, "narrative": "各项待遇按时足额发放。"}),
            (browser(admin_user, two_factor=True), {**fields, "narrative": "基金运行平稳。"}),
        )
        report.refresh_from_db()
        assert report.narrative == "各项待遇按时足额发放。"
        assert report.status == SemiannualReport.Status.DRAFT

    def test_two_inspectors_editing_the_same_activity(self, org, inspector, inspector2):
        activity = record_activity(inspector, [org.weihui])
        fields = {
            "channel": activity.channel,
            "kind": activity.kind,
            "body": activity.body,
            "held_on": activity.held_on.isoformat(),
            "subjects": [org.weihui.pk],
            "summary": activity.summary,
        }
        race(
            reverse("oversight:activity_edit", args=[activity.pk]),
            reverse("oversight:activity_edit", args=[activity.pk]),
            (browser(inspector), {**fields, "title": "市人大代表视察（更正）"}),
            (browser(inspector2), {**fields, "title": "市人大代表视察经办大厅"}),
        )
        activity.refresh_from_db()
        assert activity.title == "市人大代表视察（更正）"
        assert SupervisionActivity.objects.get(pk=activity.pk).version == 2

    def test_one_inspector_records_a_visit_the_other_cancels(self, org, inspector, inspector2):
        visit = oversight_actions.visit_plan(acting_user=inspector, agency=org.weihui, planned_on=day(3), topics="审核")
        page = reverse("oversight:visit_detail", args=[visit.pk])
        first, second = browser(inspector), browser(inspector2)
        version_first = loaded_version(first, page)
        version_second = loaded_version(second, page)
        recorded = first.post(
            reverse("oversight:visit_record", args=[visit.pk]),
            {"visited_on": day(0).isoformat(), "notes": "已指导。", "version": version_first},
        )
        assert recorded.status_code == 302
        response = second.post(
            reverse("oversight:visit_cancel", args=[visit.pk]),
            {"reason": "另行安排。", "version": version_second},
            follow=True,
        )
        assert CONFLICT in response.content.decode()
        visit.refresh_from_db()
        assert visit.status == GuidanceVisit.Status.DONE

    def test_two_team_members_concluding_the_same_inspection(self, org, inspector, inspector2):
        inspection = open_inspection(inspector, [org.weihui], members=[inspector2])
        race(
            reverse("oversight:inspection_detail", args=[inspection.pk]),
            reverse("oversight:inspection_conclude", args=[inspection.pk]),
            (browser(inspector), {"ended_on": day(0).isoformat(), "conclusion": "总体规范。"}),
            (browser(inspector2), {"ended_on": day(0).isoformat(), "conclusion": "问题较多。"}),
            after="/conclude/",
        )
        inspection.refresh_from_db()
        assert (inspection.status, inspection.conclusion) == (FundInspection.Status.CONCLUDED, "总体规范。")

    def test_two_approvers_publishing_the_same_results(self, org, inspector):
        approvers = []
        for name in ("approver", "approver2"):
            user = make_user(name, [Role.INSPECTOR], org.city_bureau)
            user.user_permissions.add(Permission.objects.get(codename="publish_disclosure"))
            approvers.append(user)
        inspection = conclude(open_inspection(inspector, [org.weihui]), inspector)
        race(
            reverse("oversight:inspection_detail", args=[inspection.pk]),
            reverse("oversight:inspection_publish", args=[inspection.pk]),
            (browser(approvers[0]), {"title": "卫辉市基金专项检查结果", "summary": "未发现问题。"}),
            (browser(approvers[1]), {"title": "卫辉市检查结果", "summary": "发现问题1项。"}),
            after="/publish/",
        )
        disclosure = Disclosure.objects.get(inspection=inspection)
        assert (disclosure.title, disclosure.summary) == ("卫辉市基金专项检查结果", "未发现问题。")


# ---------------------------------------------------------------------------------------------
# The assessment: scores, the year's settings and catalogue, teams, objections


class TestAssessment:
    @pytest.fixture
    def assessor2(self, org):
        return make_user("assessor2", [Role.CITY_ASSESSOR], org.city_bureau)

    @pytest.fixture
    def admin2(self, org):
        user = make_user("admin2", [Role.SYSTEM_ADMIN], org.city_bureau)
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        return user

    @pytest.fixture
    def year(self, org, admin_user) -> AssessmentYear:
        return open_year(admin_user, org.city, 2026)

    @pytest.fixture
    def preparing(self, org, admin_user) -> AssessmentYear:
        return assessment_actions.year_create(acting_user=admin_user, city=org.city, year=2027)

    def test_two_assessors_scoring_the_same_item(self, org, year, assessor, assessor2):
        assessment = assessment_of(year, org.weihui)
        score = assessment.scores.select_related("item").get(item__track=Track.BASIC, item__position=1)
        page = reverse("assessment:agency", args=[2026, org.weihui.pk])
        url = reverse("assessment:score_update", args=[2026, org.weihui.pk, score.item_id])
        first, second = browser(assessor), browser(assessor2)
        version_first = loaded_version(first, page, after=f'id="score-{score.pk}"')
        version_second = loaded_version(second, page, after=f'id="score-{score.pk}"')
        htmx = {"HX-Request": "true"}
        saved = first.post(url, {"points": "12", "comment": "甲", "version": version_first}, headers=htmx)
        assert saved.status_code == 200
        response = second.post(url, {"points": "9", "comment": "乙", "version": version_second}, headers=htmx)
        assert response.status_code == 409
        assert "为避免覆盖，您的输入未保存" in response.content.decode()
        score.refresh_from_db()
        assert (score.points, score.comment, score.scored_by) == (Decimal("12"), "甲", assessor)

    def test_two_administrators_changing_the_years_settings(self, preparing, admin_user, admin2):
        fields = {
            "basic_weight": "0.4",
            "scoring_opens_on": day(1).isoformat(),
            "deadline": day(60).isoformat(),
            "objection_days": 10,
        }
        race(
            reverse("assessment:year_settings", args=[2027]),
            reverse("assessment:year_settings", args=[2027]),
            (browser(admin_user, two_factor=True), {**fields, "basic_weight": "0.3", "target_weight": "0.7"}),
            (browser(admin2, two_factor=True), {**fields, "basic_weight": "0.5", "target_weight": "0.5"}),
        )
        preparing.refresh_from_db()
        assert preparing.basic_weight == Decimal("0.3")

    def _catalogue(self, year: AssessmentYear, description: str) -> dict[str, Any]:
        items = list(year.items.filter(track=Track.BASIC).order_by("position"))
        data: dict[str, Any] = {"items-TOTAL_FORMS": len(items), "items-INITIAL_FORMS": len(items)}
        for index, item in enumerate(items):
            data.update(
                {
                    f"items-{index}-item_id": item.pk,
                    f"items-{index}-max_points": str(item.max_points),
                    f"items-{index}-description": description if index == 0 else item.description,
                    f"items-{index}-deduction_rule": item.deduction_rule,
                }
            )
        return data

    def test_two_administrators_editing_the_catalogue(self, preparing, admin_user, admin2):
        url = reverse("assessment:catalogue_edit", args=[2027, Track.BASIC])
        race(
            url,
            url,
            (browser(admin_user, two_factor=True), self._catalogue(preparing, "创建文明单位，开展志愿服务。")),
            (browser(admin2, two_factor=True), self._catalogue(preparing, "开展文明创建活动。")),
        )
        first_item = preparing.items.filter(track=Track.BASIC).order_by("position").first()
        assert first_item.description == "创建文明单位，开展志愿服务。"

    def test_two_administrators_editing_an_items_breakdown(self, preparing, admin_user, admin2):
        item = preparing.items.order_by("track", "position").first()
        url = reverse("assessment:item_edit", args=[2027, item.pk])

        def breakdown(*names: str) -> dict[str, Any]:
            share = item.max_points / len(names)
            data: dict[str, Any] = {"subs-TOTAL_FORMS": len(names), "subs-INITIAL_FORMS": 0}
            for index, name in enumerate(names):
                data.update({f"subs-{index}-name": name, f"subs-{index}-points": str(share)})
            return data

        race(
            url,
            url,
            (browser(admin_user, two_factor=True), breakdown("组织领导", "活动开展")),
            (browser(admin2, two_factor=True), breakdown("创建成效")),
        )
        assert list(item.sub_items.values_list("name", flat=True)) == ["组织领导", "活动开展"]

    def test_two_assessors_editing_the_same_team(self, org, year, assessor, assessor2, team_member):
        team = assessment_actions.team_create(
            year, acting_user=assessor, name="第一考核组", leader=team_member, members=[team_member]
        )
        other = make_user("team_c", [Role.ASSESSMENT_TEAM], org.city_bureau)
        url = reverse("assessment:team_edit", args=[2026, team.pk])
        race(
            url,
            url,
            (browser(assessor), {"name": "第一考核组（调整）", "leader": team_member.pk, "members": [team_member.pk]}),
            (browser(assessor2), {"name": "第一考核组", "leader": other.pk, "members": [other.pk]}),
        )
        team.refresh_from_db()
        assert (team.name, team.leader) == ("第一考核组（调整）", team_member)
        assert Team.objects.get(pk=team.pk).memberships.active().get().user == team_member

    def test_two_assessors_assigning_counties_to_the_same_team(self, org, year, assessor, assessor2, team_member):
        team = assessment_actions.team_create(year, acting_user=assessor, name="第一考核组", members=[team_member])
        weihui, huixian = assessment_of(year, org.weihui), assessment_of(year, org.huixian)
        url = reverse("assessment:team_counties", args=[2026, team.pk])
        race(
            url,
            url,
            (browser(assessor), {"assessments": [weihui.pk]}),
            (browser(assessor2), {"assessments": [huixian.pk]}),
        )
        assert list(team.assessments.values_list("agency", flat=True)) == [org.weihui.pk]

    def test_two_assessors_answering_the_same_objection(self, org, year, assessor, assessor2, team_member):
        team = assessment_actions.team_create(year, acting_user=assessor, name="第一考核组", members=[team_member])
        assessment = assessment_of(year, org.weihui)
        assessment_actions.team_set_counties(team, [assessment], acting_user=assessor)
        fill_track(assessment, Track.BASIC, assessor)
        fill_track(assessment, Track.TARGET, team_member)
        assessment_actions.assessment_confirm(assessment, acting_user=assessor)
        head = make_user("head_weihui", [Role.COUNTY_HEAD], org.weihui, Person.Position.HEAD)
        objection = assessment_actions.objection_raise(assessment, acting_user=head, items=[], text="请复核。")
        url = reverse("assessment:objection", args=[2026, objection.pk])
        race(
            url,
            reverse("assessment:objection_answer", args=[2026, objection.pk]),
            (browser(assessor), {"outcome": "rejected", "text": "维持原评分。"}),
            (browser(assessor2), {"outcome": "upheld", "text": "异议成立。"}),
        )
        objection.refresh_from_db()
        assert (objection.status, objection.answer) == (Objection.Status.REJECTED, "维持原评分。")


# ---------------------------------------------------------------------------------------------
# Internal control: inspection items, risks, spot checks, plans, service standards, 一岗双责


class TestInternalControl:
    @pytest.fixture(autouse=True)
    def _checklists(self, db):
        ensure_checklists()

    @pytest.fixture
    def inspector2(self, org):
        return make_user("inspector2", [Role.INSPECTOR], org.city_bureau)

    def test_two_team_members_recording_the_same_inspection_item(self, org, inspector, inspector2):
        inspection = plan_inspection(inspector, org.weihui)
        integrity_actions.inspection_update_plan(
            inspection,
            acting_user=inspector,
            title=inspection.title,
            period_start=inspection.period_start,
            period_end=inspection.period_end,
            planned_on=inspection.planned_on,
            team=[inspector2],
        )
        result = inspection.results.order_by("pk").first()
        page = reverse("integrity:inspection_detail", args=[inspection.pk])
        url = reverse("integrity:result_update", args=[inspection.pk, result.pk])
        prefix = f"r{result.pk}"
        first, second = browser(inspector), browser(inspector2)
        version_first = loaded_version(first, page, field=f"{prefix}-version")
        version_second = loaded_version(second, page, field=f"{prefix}-version")
        htmx = {"HX-Request": "true"}

        def record(outcome: str, problem: str, version: str) -> dict[str, str]:
            return {
                f"{prefix}-version": version,
                f"{prefix}-result": outcome,
                f"{prefix}-problem": problem,
                f"{prefix}-severity": "major",
            }

        saved = first.post(url, record("not_compliant", "支出户划拨无审批单", version_first), headers=htmx)
        assert saved.status_code == 200
        response = second.post(url, record("compliant", "", version_second), headers=htmx)
        assert response.status_code == 409
        assert CONFLICT in response.content.decode()
        result.refresh_from_db()
        assert (result.result, result.problem) == ("not_compliant", "支出户划拨无审批单")

    def test_the_head_and_an_inspector_editing_the_same_risk(self, org, head_weihui, inspector):
        risk = make_risk(head_weihui, org.weihui)
        fields = {
            "category": risk.category,
            "description": risk.description,
            "controls": risk.controls,
            "status": risk.status,
            "identified_on": risk.identified_on.isoformat(),
            "next_review_on": risk.next_review_on.isoformat(),
        }
        url = reverse("integrity:risk_edit", args=[risk.pk])
        race(
            url,
            url,
            (browser(head_weihui), {**fields, "title": "待遇冒领风险（调整）", "likelihood": 4, "impact": 4}),
            (browser(inspector), {**fields, "title": "待遇冒领风险", "likelihood": 1, "impact": 1}),
        )
        risk.refresh_from_db()
        assert (risk.title, risk.likelihood) == ("待遇冒领风险（调整）", 4)

    def test_two_keepers_reviewing_the_same_risk(self, org, head_weihui, inspector):
        risk = make_risk(head_weihui, org.weihui)
        review = {"impact": 4, "next_review_on": day(90).isoformat()}
        race(
            reverse("integrity:risk_detail", args=[risk.pk]),
            reverse("integrity:risk_review", args=[risk.pk]),
            (browser(head_weihui), {**review, "likelihood": 2, "status": "monitoring", "note": "已加强认证。"}),
            (browser(inspector), {**review, "likelihood": 5, "status": "mitigating", "note": "风险上升。"}),
            after="/review/",
        )
        risk.refresh_from_db()
        assert (risk.likelihood, risk.status) == (2, "monitoring")
        assert risk.reviews.count() == 1

    def test_two_inspectors_editing_the_same_spot_check(self, org, inspector, inspector2):
        check = integrity_actions.spot_check_create(
            acting_user=inspector,
            agency=org.weihui,
            business_area="benefit_review",
            subject="待遇核定抽查",
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 6, 30),
            checked_on=day(0),
            sample_size=10,
        )
        fields = {
            "business_area": "benefit_review",
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
            "checked_on": day(0).isoformat(),
            "sample_size": 10,
        }
        url = reverse("integrity:spot_check_edit", args=[check.pk])
        race(
            url,
            url,
            (browser(inspector), {**fields, "subject": "待遇核定抽查（上半年）"}),
            (browser(inspector2), {**fields, "subject": "待遇核定抽查（补充）"}),
        )
        check.refresh_from_db()
        assert check.subject == "待遇核定抽查（上半年）"

    def test_the_head_and_an_administrator_editing_the_same_service_commitment(self, org, head_weihui, admin_user):
        commitment = integrity_actions.service_commitment_save(
            None,
            acting_user=head_weihui,
            agency=org.weihui,
            item="养老保险待遇核定",
            time_limit=5,
            time_unit="working_days",
            commitment="5个工作日内办结。",
        )
        fields = {"item": "养老保险待遇核定", "time_unit": "working_days", "effective_on": day(0).isoformat()}
        url = reverse("integrity:service_commitment_edit", args=[commitment.pk])
        race(
            url,
            url,
            (browser(head_weihui), {**fields, "time_limit": 3, "commitment": "3个工作日内办结。"}),
            (browser(admin_user, two_factor=True), {**fields, "time_limit": 7, "commitment": "7个工作日内办结。"}),
        )
        commitment.refresh_from_db()
        assert commitment.time_limit == 3

    def test_the_head_and_the_office_editing_the_same_responsibility(self, org, head_weihui, staff_weihui, office):
        assignment = integrity_actions.assignment_save(
            None,
            acting_user=head_weihui,
            person=staff_weihui.person,
            year=2026,
            post="待遇审核岗",
            business_duties="待遇审核。",
            integrity_duties="廉洁履职。",
        )
        fields = {"business_duties": "待遇审核。", "integrity_duties": "廉洁履职。"}
        url = reverse("integrity:assignment_edit", args=[assignment.pk])
        race(
            url,
            url,
            (browser(head_weihui), {**fields, "post": "待遇审核岗（A角）"}),
            (browser(office), {**fields, "post": "稽核岗"}),
        )
        assignment.refresh_from_db()
        assert assignment.post == "待遇审核岗（A角）"

    def test_two_inspectors_revising_the_same_checklist(self, inspector, inspector2):
        checklist = Checklist.objects.get(article=10)
        version = checklist.current_version()
        url = reverse("integrity:checklist_revise", args=[checklist.pk])

        def revision(points: str) -> dict[str, Any]:
            data: dict[str, Any] = {"note": f"修订：{points}"}
            for item in version.items.order_by("position"):
                data[f"points_{item.position}"] = points if item.position == 1 else item.check_points
                data[f"guidance_{item.position}"] = item.guidance
            return data

        race(
            url,
            url,
            (browser(inspector), revision("查阅抽查记录。")),
            (browser(inspector2), revision("询问经办人员。")),
        )
        current = checklist.current_version()
        assert current.number == version.number + 1
        assert current.items.get(position=1).check_points == "查阅抽查记录。"
