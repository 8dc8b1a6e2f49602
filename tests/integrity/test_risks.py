from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from integrity import actions
from integrity.models import DisposalPlan, ReportPeriod, Risk, RiskAnalysisReport, RiskCategory, RiskLevel, risk_level
from integrity.risk_map import agency_risk_summary, heat_map_chart, risk_heat_map
from supervision.models import Notification
from supervision.models.findings import local_today
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.factories import AgencyFactory, DivisionFactory
from tests.integrity.factories import make_risk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("likelihood", "impact", "level"),
    [
        (1, 1, RiskLevel.LOW),
        (2, 2, RiskLevel.LOW),
        (1, 4, RiskLevel.LOW),
        (1, 5, RiskLevel.MEDIUM),
        (3, 3, RiskLevel.MEDIUM),
        (2, 5, RiskLevel.HIGH),
        (4, 3, RiskLevel.HIGH),
        (3, 5, RiskLevel.CRITICAL),
        (4, 4, RiskLevel.CRITICAL),
        (5, 5, RiskLevel.CRITICAL),
    ],
)
def test_level_is_derived_from_likelihood_times_impact(likelihood, impact, level):
    assert risk_level(likelihood, impact) == level


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 1), (3, 0)])
def test_ratings_outside_1_to_5_are_refused(likelihood, impact):
    with pytest.raises(ValueError):
        risk_level(likelihood, impact)


def test_stored_score_and_level_follow_a_review(org, head_weihui):
    risk = make_risk(head_weihui, org.weihui, likelihood=2, impact=3)
    assert (risk.score, risk.level) == (6, RiskLevel.MEDIUM)
    actions.risk_review(
        risk,
        acting_user=head_weihui,
        likelihood=4,
        impact=5,
        status=Risk.Status.MITIGATING,
        note="发现新的冒领案例。",
        next_review_on=local_today() + datetime.timedelta(days=30),
    )
    risk.refresh_from_db()
    assert (risk.score, risk.level, risk.status) == (20, RiskLevel.CRITICAL, Risk.Status.MITIGATING)
    assert risk.last_reviewed_on == local_today()
    assert risk.reviews.get().level == RiskLevel.CRITICAL
    assert Risk.objects.of_level(RiskLevel.CRITICAL).get() == risk


def test_database_refuses_a_score_that_is_not_the_product(org, head_weihui):
    from django.db import IntegrityError, transaction

    risk = make_risk(head_weihui, org.weihui)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(score=1)


def test_closing_a_risk_through_review(org, head_weihui):
    risk = make_risk(head_weihui, org.weihui)
    actions.risk_review(
        risk,
        acting_user=head_weihui,
        likelihood=1,
        impact=1,
        status=Risk.Status.CLOSED,
        note="已消除。",
        next_review_on=None,
    )
    risk.refresh_from_db()
    assert risk.status == Risk.Status.CLOSED and risk.closed_reason == "已消除。"
    with pytest.raises(TransitionNotAllowed):
        actions.risk_update(risk, acting_user=head_weihui, likelihood=2, impact=2, title="x")


def test_open_review_needs_a_later_review_date(org, head_weihui):
    risk = make_risk(head_weihui, org.weihui)
    with pytest.raises(TransitionNotAllowed):
        actions.risk_review(
            risk,
            acting_user=head_weihui,
            likelihood=1,
            impact=1,
            status=Risk.Status.MONITORING,
            note="x",
            next_review_on=None,
        )


def test_who_keeps_the_register(org, head_weihui, head_huixian, inspector, staff_weihui, assessor):
    make_risk(head_weihui, org.weihui)
    make_risk(inspector, org.huixian)
    for user, agency in ((head_huixian, org.weihui), (staff_weihui, org.weihui), (assessor, org.weihui)):
        with pytest.raises(PermissionDenied):
            make_risk(user, agency)


def test_owner_must_work_at_the_agency(org, head_weihui, head_huixian):
    with pytest.raises(PermissionDenied):
        make_risk(head_weihui, org.weihui, owner=head_huixian.person)


def test_stale_edit_is_refused(org, head_weihui, inspector):
    risk = make_risk(head_weihui, org.weihui)
    actions.risk_update(risk, acting_user=inspector, likelihood=2, impact=2, version=1, title="改名")
    with pytest.raises(EditConflict):
        actions.risk_update(risk, acting_user=head_weihui, likelihood=5, impact=5, version=1, title="旧页面")
    risk.refresh_from_db()
    assert (risk.title, risk.score) == ("改名", 4)


class TestHeatMap:
    def test_cells_count_risks(self, org, head_weihui):
        make_risk(head_weihui, org.weihui, likelihood=3, impact=4)
        make_risk(head_weihui, org.weihui, likelihood=3, impact=4, title="另一项")
        make_risk(head_weihui, org.weihui, likelihood=1, impact=2, title="低风险")
        cells = risk_heat_map(Risk.objects.all())
        assert cells == {(3, 4): 2, (1, 2): 1}
        chart = heat_map_chart(cells, "风险热力图")
        data = {(x, y): n for x, y, n, _level in chart["series"][0]["data"]}
        assert data[(2, 3)] == 2 and data[(0, 1)] == 1 and data[(4, 4)] == 0
        assert len(chart["series"][0]["data"]) == 25

    def test_heat_map_data_takes_one_query_whatever_the_number_of_risks(
        self, org, head_weihui, inspector, django_assert_num_queries
    ):
        make_risk(head_weihui, org.weihui)
        with django_assert_num_queries(1):
            small = risk_heat_map(Risk.objects.open())
        for index in range(40):
            agency = AgencyFactory(division=DivisionFactory(city=org.city))
            make_risk(inspector, agency, likelihood=index % 5 + 1, impact=(index * 3) % 5 + 1, title=f"风险{index}")
        with django_assert_num_queries(1):
            large = risk_heat_map(Risk.objects.open())
        assert sum(small.values()) == 1 and sum(large.values()) == 41
        with django_assert_num_queries(1):
            summary = agency_risk_summary(Risk.objects.open(), local_today())
        assert len(summary) == 41

    def test_list_page_query_count_does_not_grow(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        url = reverse("integrity:risk_list")
        make_risk(inspector, org.weihui)
        client.get(url)
        with django_assert_max_num_queries(25) as small:
            client.get(url)
        for index in range(30):
            agency = AgencyFactory(division=DivisionFactory(city=org.city))
            make_risk(inspector, agency, title=f"风险{index}", likelihood=index % 5 + 1)
        with django_assert_max_num_queries(25) as large:
            body = client.get(url).content.decode()
        assert len(small.captured_queries) == len(large.captured_queries)
        assert 'data-chart-json="risk-heatmap"' in body and 'id="risk-heatmap"' in body

    def test_agency_heat_map_and_city_wide(self, client, org, head_weihui, inspector):
        make_risk(head_weihui, org.weihui, title="卫辉市风险")
        make_risk(inspector, org.huixian, title="辉县市风险")
        client.force_login(inspector)
        body = client.get(reverse("integrity:risk_list")).content.decode()
        assert "全市风险热力图" in body and "卫辉市风险" in body and "辉县市风险" in body
        assert 'data-testid="risk-summary"' in body
        body = client.get(reverse("integrity:risk_list"), {"agency": org.weihui.pk}).content.decode()
        assert "卫辉市社保中心 风险热力图" in body and "辉县市风险" not in body
        client.force_login(head_weihui)
        body = client.get(reverse("integrity:risk_list")).content.decode()
        assert "卫辉市风险" in body and "辉县市风险" not in body


class TestPages:
    def test_create_edit_and_review_through_the_pages(self, client, org, head_weihui, staff_weihui):
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:risk_new"),
            {
                "agency": org.weihui.pk,
                "title": "支出户违规划拨",
                "category": RiskCategory.FUND_SAFETY,
                "description": "未经审批划拨。",
                "likelihood": 2,
                "impact": 5,
                "owner": staff_weihui.person.pk,
                "controls": "双签。",
                "status": Risk.Status.IDENTIFIED,
                "identified_on": local_today().isoformat(),
                "next_review_on": (local_today() + datetime.timedelta(days=30)).isoformat(),
            },
        )
        risk = Risk.objects.get()
        assert response["Location"] == reverse("integrity:risk_detail", args=[risk.pk])
        assert (risk.score, risk.owner) == (10, staff_weihui.person)
        body = client.get(reverse("integrity:risk_detail", args=[risk.pk])).content.decode()
        assert "可能性 2 × 影响程度 5 = 10（高）" in body
        response = client.post(
            reverse("integrity:risk_review", args=[risk.pk]),
            {
                "likelihood": 1,
                "impact": 5,
                "status": Risk.Status.MONITORING,
                "note": "已上线网银复核。",
                "next_review_on": (local_today() + datetime.timedelta(days=90)).isoformat(),
                "version": risk.version,
            },
        )
        risk.refresh_from_db()
        assert (risk.score, risk.status) == (5, Risk.Status.MONITORING)

    def test_bad_rating_writes_nothing(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:risk_new"),
            {"agency": org.weihui.pk, "title": "x", "category": RiskCategory.FUND_SAFETY, "description": "x",
             "likelihood": 7, "impact": 5, "controls": "x", "status": "identified",
             "identified_on": local_today().isoformat(), "next_review_on": local_today().isoformat()},
        )  # fmt: skip
        assert response.status_code == 400
        assert not Risk.objects.exists()

    def test_rights_on_the_pages(self, client, org, head_weihui, head_huixian, staff_weihui):
        risk = make_risk(head_weihui, org.weihui)
        client.force_login(staff_weihui)
        assert client.get(reverse("integrity:risk_detail", args=[risk.pk])).status_code == 200
        assert client.get(reverse("integrity:risk_edit", args=[risk.pk])).status_code == 403
        assert client.get(reverse("integrity:risk_new")).status_code == 403
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:risk_detail", args=[risk.pk])).status_code == 404
        assert client.post(reverse("integrity:risk_review", args=[risk.pk]), {}).status_code == 404
        client.force_login(head_weihui)
        assert client.get(reverse("integrity:risk_review", args=[risk.pk])).status_code == 405

    def test_export(self, client, org, head_weihui):
        make_risk(head_weihui, org.weihui, title="导出的风险")
        client.force_login(head_weihui)
        response = client.get(reverse("integrity:risk_export"))
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


class TestReportsAndPlans:
    def test_analysis_report_draft_then_submitted(self, client, org, head_weihui, inspector):
        risk = make_risk(head_weihui, org.weihui)
        report = actions.risk_report_save(
            None,
            acting_user=head_weihui,
            agency=org.weihui,
            year=2025,
            period=ReportPeriod.ANNUAL,
            title="2025年度风险分析报告",
            analysis="分析内容。",
            risks=[risk],
        )
        actions.risk_report_submit(report, acting_user=head_weihui)
        report.refresh_from_db()
        assert report.status == RiskAnalysisReport.Status.SUBMITTED
        assert Notification.objects.filter(recipient=inspector, title__startswith="风险分析报告已报送").exists()
        with pytest.raises(TransitionNotAllowed):
            actions.risk_report_save(report, acting_user=head_weihui, title="改")

    def test_one_report_per_agency_and_period(self, client, org, head_weihui):
        client.force_login(head_weihui)
        data = {
            "agency": org.weihui.pk,
            "year": 2025,
            "period": ReportPeriod.FIRST_HALF,
            "title": "上半年",
            "analysis": "x",
        }
        assert client.post(reverse("integrity:risk_report_new"), data).status_code == 302
        response = client.post(reverse("integrity:risk_report_new"), data)
        assert response.status_code == 400
        assert "已经存在" in response.content.decode()
        assert RiskAnalysisReport.objects.count() == 1

    def test_report_cannot_cite_another_agencys_risk(self, org, head_weihui, inspector):
        other = make_risk(inspector, org.huixian)
        with pytest.raises(PermissionDenied):
            actions.risk_report_save(
                None,
                acting_user=inspector,
                agency=org.weihui,
                year=2025,
                period="year",
                title="x",
                analysis="x",
                risks=[other],
            )

    def test_disposal_plan_in_force_then_repealed(self, client, org, head_weihui):
        risk = make_risk(head_weihui, org.weihui)
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:plan_new"),
            {
                "agency": org.weihui.pk,
                "title": "基金支付异常处置预案",
                "category": RiskCategory.FUND_SAFETY,
                "risks": [risk.pk],
                "triggers": "发现疑似冒领。",
                "steps": "1. 暂停支付。",
                "responsible": head_weihui.person.pk,
            },
        )
        plan = DisposalPlan.objects.get()
        assert response["Location"] == reverse("integrity:plan_detail", args=[plan.pk])
        client.post(reverse("integrity:plan_in_force", args=[plan.pk]), {"effective_on": local_today().isoformat()})
        plan.refresh_from_db()
        assert plan.status == DisposalPlan.Status.IN_FORCE
        client.post(reverse("integrity:plan_repeal", args=[plan.pk]), {"reason": "被新预案取代"})
        plan.refresh_from_db()
        assert (plan.status, plan.repeal_reason) == (DisposalPlan.Status.REPEALED, "被新预案取代")
        body = client.get(reverse("integrity:risk_detail", args=[risk.pk])).content.decode()
        assert "基金支付异常处置预案" not in body  # repealed plans leave the risk page

    def test_plan_pages_rights(self, client, org, head_weihui, head_huixian, staff_weihui):
        plan = actions.plan_save(
            None,
            acting_user=head_weihui,
            agency=org.weihui,
            title="预案",
            category=RiskCategory.FUND_SAFETY,
            triggers="x",
            steps="x",
        )
        client.force_login(staff_weihui)
        assert client.get(reverse("integrity:plan_detail", args=[plan.pk])).status_code == 200
        assert client.post(reverse("integrity:plan_repeal", args=[plan.pk]), {"reason": "x"}).status_code == 403
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:plan_detail", args=[plan.pk])).status_code == 404


def test_editing_a_plan_keeps_a_risk_closed_since(client, org, head_weihui):
    risk = make_risk(head_weihui, org.weihui)
    plan = actions.plan_save(
        None,
        acting_user=head_weihui,
        agency=org.weihui,
        title="预案",
        category=RiskCategory.FUND_SAFETY,
        triggers="x",
        steps="x",
        risks=[risk],
    )
    actions.risk_review(
        risk,
        acting_user=head_weihui,
        likelihood=1,
        impact=1,
        status=Risk.Status.CLOSED,
        note="已消除",
        next_review_on=None,
    )
    client.force_login(head_weihui)
    response = client.post(
        reverse("integrity:plan_edit", args=[plan.pk]),
        {"title": "预案（修订）", "category": RiskCategory.FUND_SAFETY, "risks": [risk.pk], "triggers": "x", "steps": "y",
         "version": plan.version},
    )  # fmt: skip
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "预案（修订）" and list(plan.risks.all()) == [risk]
