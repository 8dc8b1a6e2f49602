"""The assessment's pages: happy paths, wrong method (405), no right (403), other county (404), bad input."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment import actions
from assessment.models import Assessment, AssessmentYear, Objection, Score, SiteVisit, Team, Track
from supervision.models import Attachment
from tests.assessment.factories import confirmed, fill_track, score_fully, scores_of
from tests.factories import verify_two_factor
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def agency_url(name, assessment, *args):
    return reverse(f"assessment:{name}", args=[assessment.year.year, assessment.agency_id, *args])


class TestScoringPage:
    def test_assessor_sees_both_tracks_and_may_edit_the_basic_one(self, client, assessor, weihui_assessment):
        client.force_login(assessor)
        response = client.get(agency_url("agency", weihui_assessment))
        body = response.content.decode()
        assert response.status_code == 200
        for name in (
            "文明创建",
            "社会化服务情况",
            "第一考核组",
            "最终得分 = 基础管理得分" if False else "两项评完后计算",
        ):
            assert name in body
        assert body.count('name="points"') == 6  # the basic track only

    def test_team_member_may_edit_the_target_track_only(self, client, team_member, weihui_assessment):
        client.force_login(team_member)
        body = client.get(agency_url("agency", weihui_assessment)).content.decode()
        assert body.count('name="points"') == 8

    def test_county_head_is_sent_to_the_result_and_another_county_gets_404(
        self, client, head_weihui, head_huixian, weihui_assessment
    ):
        client.force_login(head_weihui)
        response = client.get(agency_url("agency", weihui_assessment))
        assert response.status_code == 302 and response["Location"] == agency_url("result", weihui_assessment)
        client.force_login(head_huixian)
        assert client.get(agency_url("agency", weihui_assessment)).status_code == 404
        assert client.get(agency_url("result", weihui_assessment)).status_code == 404

    def test_inspector_of_the_city_gets_403(self, client, inspector, weihui_assessment):
        client.force_login(inspector)
        assert client.get(agency_url("agency", weihui_assessment)).status_code == 403

    def test_htmx_save_returns_totals_and_the_new_version(self, client, assessor, weihui_assessment):
        score = scores_of(weihui_assessment, Track.BASIC)[0]
        client.force_login(assessor)
        response = client.post(
            agency_url("score_update", weihui_assessment, score.item_id),
            {"points": "13.5", "comment": "窗口环境有1处不规范", "version": score.version},
            **HTMX,
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "已保存" in body and 'hx-swap-oob="true"' in body
        assert f'name="version" value="{score.version + 1}"' in body
        assert 'data-testid="total-basic">13.50<' in body
        score.refresh_from_db()
        assert (score.points, score.comment, score.scored_by) == (Decimal("13.50"), "窗口环境有1处不规范", assessor)

    def test_two_people_editing_the_same_score_get_a_conflict_message(
        self, client, assessor, admin_user, weihui_assessment
    ):
        score = scores_of(weihui_assessment, Track.BASIC)[0]
        seen = score.version
        verify_two_factor(client, admin_user)
        client.post(
            agency_url("score_update", weihui_assessment, score.item_id), {"points": "12", "version": seen}, **HTMX
        )
        client.force_login(assessor)
        response = client.post(
            agency_url("score_update", weihui_assessment, score.item_id),
            {"points": "9", "comment": "我的", "version": seen},
            **HTMX,
        )
        body = response.content.decode()
        assert response.status_code == 409
        assert "为避免覆盖，您的输入未保存" in body and "12.00" in body
        score.refresh_from_db()
        assert score.points == Decimal("12.00") and score.comment == ""

    @pytest.mark.parametrize(
        ("points", "message"),
        [
            ("16", "得分须在0至15.00分之间"),
            ("-1", "得分须在0至15.00分之间"),
            ("1.234", "最多保留两位小数"),
            ("abc", "请输入数字"),
        ],
    )
    def test_bad_points_get_a_clear_message_and_nothing_is_written(
        self, client, assessor, weihui_assessment, points, message
    ):
        score = scores_of(weihui_assessment, Track.BASIC)[0]
        client.force_login(assessor)
        response = client.post(
            agency_url("score_update", weihui_assessment, score.item_id),
            {"points": points, "version": score.version},
            **HTMX,
        )
        assert response.status_code == 422
        assert message in response.content.decode()
        score.refresh_from_db()
        assert score.points is None and score.version == 1

    def test_score_update_refuses_get_other_teams_and_other_counties(
        self, client, team_b, head_huixian, weihui_assessment
    ):
        score = scores_of(weihui_assessment, Track.TARGET)[0]
        url = agency_url("score_update", weihui_assessment, score.item_id)
        client.force_login(team_b)
        assert client.get(url).status_code == 405
        assert client.post(url, {"points": "1", "version": 1}, **HTMX).status_code == 403
        client.force_login(head_huixian)
        assert client.post(url, {"points": "1", "version": 1}, **HTMX).status_code == 404
        score.refresh_from_db()
        assert score.points is None

    def test_submit_confirm_and_locked_page(self, client, assessor, team_member, weihui_assessment):
        fill_track(weihui_assessment, Track.BASIC, assessor, submit=False)
        client.force_login(assessor)
        assert client.get(agency_url("track_submit", weihui_assessment, "basic")).status_code == 405
        client.post(agency_url("track_submit", weihui_assessment, "basic"))
        fill_track(weihui_assessment, Track.TARGET, team_member)
        client.force_login(team_member)
        assert (
            client.post(agency_url("confirm", weihui_assessment), {"version": weihui_assessment.version}).status_code
            == 403
        )
        client.force_login(assessor)
        response = client.post(
            agency_url("confirm", weihui_assessment), {"version": weihui_assessment.version}, follow=True
        )
        assert "考核结果已确认并锁定" in response.content.decode()
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.status == Assessment.Status.CONFIRMED
        body = client.get(agency_url("agency", weihui_assessment)).content.decode()
        assert 'name="points"' not in body and "已确认并锁定" in body

    def test_reopen_without_reason_says_why_and_changes_nothing(self, client, assessor, team_member, weihui_assessment):
        confirmed(weihui_assessment, assessor, team_member)
        client.force_login(assessor)
        response = client.post(
            agency_url("reopen", weihui_assessment),
            {"reason": "", "tracks": ["basic"], "version": weihui_assessment.version},
        )
        assert response.status_code == 400
        assert "这个字段是必填项" in response.content.decode()
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.status == Assessment.Status.CONFIRMED
        client.post(
            agency_url("reopen", weihui_assessment),
            {"reason": "复核", "tracks": ["basic"], "version": weihui_assessment.version},
        )
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.status == Assessment.Status.SCORING

    def test_score_detail_uploads_evidence_which_the_head_may_download_once_confirmed(
        self, client, assessor, team_member, head_weihui, weihui_assessment
    ):
        score = scores_of(weihui_assessment, Track.BASIC)[0]
        client.force_login(assessor)
        url = agency_url("score_detail", weihui_assessment, score.item_id)
        assert client.post(url, {"files": [pdf_upload("文明创建台账.pdf")]}).status_code == 302
        attachment = Attachment.objects.get()
        assert attachment.record == score
        confirmed(weihui_assessment, assessor, team_member)
        client.force_login(head_weihui)
        assert client.get(reverse("attachment_download", args=[attachment.token])).status_code == 200
        assert "文明创建台账.pdf" in client.get(url).content.decode()


class TestDelegationPages:
    def test_assessor_delegates_a_vertically_managed_county(self, client, org, assessor, leader, hongqi_assessment):
        client.force_login(assessor)
        body = client.get(agency_url("agency", hongqi_assessment)).content.decode()
        assert "授权代为考核" in body and "leader的姓名" in body
        response = client.post(agency_url("delegate", hongqi_assessment), {"delegates": [], "note": ""})
        assert response.status_code == 400
        assert not hongqi_assessment.delegations.exists()
        client.post(agency_url("delegate", hongqi_assessment), {"delegates": [leader.pk], "note": "授权"})
        assert hongqi_assessment.delegations.get().delegates.get() == leader

    def test_non_vertical_county_cannot_be_delegated(self, client, assessor, leader, weihui_assessment):
        client.force_login(assessor)
        assert client.post(agency_url("delegate", weihui_assessment), {"delegates": [leader.pk]}).status_code == 403

    def test_delegate_files_and_assessor_acknowledges(self, client, assessor, leader, hongqi_assessment):
        actions.delegation_grant(hongqi_assessment, acting_user=assessor, delegates=[leader])
        score_fully(hongqi_assessment, leader, leader)
        client.force_login(leader)
        client.post(
            agency_url("confirm", hongqi_assessment),
            {"version": Assessment.objects.get(pk=hongqi_assessment.pk).version},
        )
        client.post(agency_url("file", hongqi_assessment), {"note": "请备案"})
        filing = hongqi_assessment.filings.get()
        assert client.post(agency_url("filing_acknowledge", hongqi_assessment, filing.pk)).status_code == 403
        client.force_login(assessor)
        client.post(agency_url("filing_acknowledge", hongqi_assessment, filing.pk), {"text": "同意"})
        hongqi_assessment.refresh_from_db()
        assert hongqi_assessment.status == Assessment.Status.FILED


class TestSiteVisits:
    def test_team_member_records_a_visit_with_evidence(self, client, team_member, weihui_assessment):
        client.force_login(team_member)
        url = agency_url("visit_new", weihui_assessment)
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"visited_on": "2099-01-01", "place": "大厅", "members": [team_member.pk], "notes": "x"}
        )
        assert response.status_code == 400 and "不能晚于今天" in response.content.decode()
        assert not SiteVisit.objects.exists()
        response = client.post(
            url,
            {
                "visited_on": "2026-11-20",
                "place": "卫辉市社保中心办事大厅",
                "members": [team_member.pk],
                "notes": "抽查待遇发放台账20份。",
                "files": [pdf_upload("考察记录.pdf")],
            },
        )
        assert response.status_code == 302
        visit = SiteVisit.objects.get()
        assert list(visit.members.all()) == [team_member]
        assert Attachment.objects.for_object(visit).count() == 1

    def test_other_team_and_assessor_may_not_record(self, client, team_b, assessor, weihui_assessment):
        for user in (team_b, assessor):
            client.force_login(user)
            assert client.get(agency_url("visit_new", weihui_assessment)).status_code == 403


class TestResultAndObjections:
    def test_head_sees_pending_before_and_every_input_after_confirmation(
        self, client, head_weihui, assessor, team_member, weihui_assessment
    ):
        client.force_login(head_weihui)
        response = client.get(agency_url("result", weihui_assessment))
        assert response.status_code == 200 and "考核结果尚未确认" in response.content.decode()
        confirmed(weihui_assessment, assessor, team_member, basic=10, target=10)
        body = client.get(agency_url("result", weihui_assessment)).content.decode()
        assert f'data-testid="result-final">{weihui_assessment.final_score}<' in body
        assert "四舍五入保留两位小数" in body and "× 0.4" in body and "× 0.6" in body
        assert "assessor的姓名" in body and "team_a的姓名" in body  # who set each item
        assert "与存储的结果一致" in body
        assert "提出异议" in body

    def test_head_raises_an_objection_through_the_page(
        self, client, head_weihui, assessor, team_member, weihui_assessment
    ):
        confirmed(weihui_assessment, assessor, team_member)
        item = weihui_assessment.year.items.get(name="文明创建")
        client.force_login(head_weihui)
        url = agency_url("result", weihui_assessment)
        response = client.post(url, {"items": [item.pk], "text": ""})
        assert response.status_code == 400 and not Objection.objects.exists()
        client.post(url, {"items": [item.pk], "text": "已获市级文明单位称号"})
        objection = Objection.objects.get()
        assert list(objection.items.all()) == [item]
        client.force_login(assessor)
        detail = reverse("assessment:objection", args=[2026, objection.pk])
        assert "答复异议" in client.get(detail).content.decode()
        client.post(
            reverse("assessment:objection_answer", args=[2026, objection.pk]),
            {"outcome": "rejected", "text": "维持", "version": 1},
        )
        objection.refresh_from_db()
        assert objection.status == Objection.Status.REJECTED

    def test_head_may_not_answer_and_another_head_gets_404(
        self, client, head_weihui, head_huixian, assessor, team_member, weihui_assessment
    ):
        confirmed(weihui_assessment, assessor, team_member)
        objection = actions.objection_raise(weihui_assessment, acting_user=head_weihui, items=[], text="有异议")
        url = reverse("assessment:objection_answer", args=[2026, objection.pk])
        client.force_login(head_weihui)
        assert client.post(url, {"outcome": "upheld", "text": "自己答复", "version": 1}).status_code == 403
        client.force_login(head_huixian)
        assert client.get(reverse("assessment:objection", args=[2026, objection.pk])).status_code == 404


class TestYearPages:
    def test_overview_shows_who_still_has_to_score_what(
        self, client, assessor, team_member, weihui_assessment, huixian_assessment
    ):
        fill_track(weihui_assessment, Track.BASIC, assessor)
        client.force_login(assessor)
        body = client.get(reverse("assessment:overview", args=[2026])).content.decode()
        assert "第一考核组（缺8项）" in body
        assert "第二考核组（缺8项）" in body
        assert "市人社局考核人员（缺6项）" in body
        assert "未分配考核小组" in body  # 红旗区
        todo = client.get(reverse("assessment:overview", args=[2026]), {"todo": "basic"}).content.decode()
        assert "辉县市社保中心" in todo and "卫辉市社保中心</a>" not in todo

    def test_overview_is_for_assessment_staff(self, client, head_weihui, inspector, year):
        for user, status in ((head_weihui, 403), (inspector, 403)):
            client.force_login(user)
            assert client.get(reverse("assessment:overview", args=[2026])).status_code == status
        assert client.get(reverse("assessment:overview", args=[1999])).status_code == 404

    def test_ranking_shows_ties_and_change_against_last_year(
        self, client, org, admin_user, assessor, team_member, team_b, teams
    ):
        weihui = confirmed(
            Assessment.objects.get(year__year=2026, agency=org.weihui), assessor, team_member, basic=12, target=12
        )
        huixian = confirmed(
            Assessment.objects.get(year__year=2026, agency=org.huixian), assessor, team_b, basic=12, target=12
        )
        assert weihui.final_score == huixian.final_score
        client.force_login(assessor)
        body = client.get(reverse("assessment:ranking", args=[2026])).content.decode()
        assert body.count("并列") >= 2
        assert f'data-testid="final-{org.weihui.pk}">{weihui.final_score}<' in body
        assert 'data-chart-json="chart-ranking"' in body and 'id="chart-trend"' in body

    def test_county_head_sees_own_results_over_the_years(
        self, client, head_weihui, assessor, team_member, weihui_assessment
    ):
        confirmed(weihui_assessment, assessor, team_member)
        client.force_login(head_weihui)
        assert client.get(reverse("assessment:index")).status_code == 302
        body = client.get(reverse("assessment:mine")).content.decode()
        assert f'data-testid="mine-final-2026">{weihui_assessment.final_score}<' in body

    def test_results_export_is_a_printable_workbook(self, client, assessor, team_member, weihui_assessment):
        confirmed(weihui_assessment, assessor, team_member)
        client.force_login(assessor)
        response = client.get(reverse("assessment:export", args=[2026]))
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert "2026年度县（市、区）社会保险经办机构" in sheet["A1"].value
        assert "× 0.4" in sheet["A2"].value and "四舍五入" in sheet["A2"].value
        assert sheet["C3"].value.startswith("基础管理")
        assert sheet["C4"].value == "文明创建（15）"
        rows = {row[1]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]}
        weihui = rows["卫辉市社保中心"]
        assert Decimal(str(weihui[-3])) == weihui_assessment.final_score and weihui[-2] == 1
        assert sheet.page_setup.orientation == "landscape"

    def test_admin_creates_edits_opens_and_copies_years(self, client, org, admin_user, assessor):
        client.force_login(assessor)
        assert client.get(reverse("assessment:year_new")).status_code == 403
        verify_two_factor(client, admin_user)
        response = client.post(
            reverse("assessment:year_new"),
            {"year": 2026, "basic_weight": "0.5", "target_weight": "0.6", "objection_days": 10},
        )
        assert response.status_code == 400 and "两项权重合计须等于1" in response.content.decode()
        assert not AssessmentYear.objects.exists()
        client.post(
            reverse("assessment:year_new"),
            {"year": 2026, "basic_weight": "0.4", "target_weight": "0.6", "objection_days": 10},
        )
        year = AssessmentYear.objects.get()
        items = list(year.items.filter(track="basic").order_by("position"))
        data = {"items-TOTAL_FORMS": 6, "items-INITIAL_FORMS": 6}
        for index, item in enumerate(items):
            data |= {
                f"items-{index}-item_id": item.pk,
                f"items-{index}-max_points": "20" if index == 0 else item.max_points,
            }
        response = client.post(reverse("assessment:catalogue_edit", args=[2026, "basic"]), data)
        assert response.status_code == 400 and "当前为105.00分" in response.content.decode()
        data["items-1-max_points"] = "20"  # 优质服务 has sub-items summing to 25
        response = client.post(reverse("assessment:catalogue_edit", args=[2026, "basic"]), data, follow=True)
        assert "请先调整细项" in response.content.decode()
        data["items-1-max_points"] = "25"
        data["items-3-max_points"] = "10"
        assert client.post(reverse("assessment:catalogue_edit", args=[2026, "basic"]), data).status_code == 302
        assert year.items.get(name="文明创建").max_points == Decimal("20")
        client.post(reverse("assessment:year_open", args=[2026]))
        year.refresh_from_db()
        assert year.status == AssessmentYear.Status.SCORING
        assert Score.objects.filter(assessment__year=year).count() == 3 * 14
        client.post(reverse("assessment:year_copy", args=[2026]), {"copy_teams": "on"})
        assert AssessmentYear.objects.get(year=2027).items.get(name="文明创建").max_points == Decimal("20")

    def test_catalogue_page_for_every_assessment_user(self, client, team_member, year):
        client.force_login(team_member)
        body = client.get(reverse("assessment:catalogue", args=[2026])).content.decode()
        assert "个人权益记录管理情况" in body and "修改分值和规则" not in body


class TestTeamPages:
    def test_assessor_forms_a_team_and_assigns_counties(self, client, org, assessor, team_member, team_b, year):
        client.force_login(assessor)
        response = client.post(
            reverse("assessment:team_new", args=[2026]),
            {"name": "第三考核组", "leader": team_member.pk, "members": [team_b.pk]},
        )
        team = Team.objects.get(name="第三考核组")
        assert response["Location"] == reverse("assessment:team_counties", args=[2026, team.pk])
        weihui = year.assessments.get(agency=org.weihui)
        client.post(reverse("assessment:team_counties", args=[2026, team.pk]), {"assessments": [weihui.pk]})
        weihui.refresh_from_db()
        assert weihui.team == team
        body = client.get(reverse("assessment:team", args=[2026, team.pk])).content.decode()
        assert "卫辉市社保中心" in body and "team_b的姓名" in body
        assert "第三考核组" in client.get(reverse("assessment:teams", args=[2026])).content.decode()

    def test_team_member_sees_teams_but_may_not_change_them(self, client, team_member, teams):
        first, _ = teams
        client.force_login(team_member)
        assert client.get(reverse("assessment:team", args=[2026, first.pk])).status_code == 200
        assert client.get(reverse("assessment:team_edit", args=[2026, first.pk])).status_code == 403
        assert (
            client.post(reverse("assessment:team_counties", args=[2026, first.pk]), {"assessments": []}).status_code
            == 403
        )


class TestDashboard:
    def test_counts_for_assessor_team_member_and_county_head(
        self, client, assessor, team_member, head_weihui, weihui_assessment, huixian_assessment
    ):
        client.force_login(assessor)
        body = client.get(reverse("dashboard")).content.decode()
        assert "待评分的县（基础管理）" in body and "双百分考核" in body
        client.force_login(team_member)
        assert "待我评分的县（目标管理）" in client.get(reverse("dashboard")).content.decode()
        confirmed(weihui_assessment, assessor, team_member)
        client.force_login(head_weihui)
        body = client.get(reverse("dashboard")).content.decode()
        assert f"2026年度考核最终得分 {weihui_assessment.final_score} 分" in body
