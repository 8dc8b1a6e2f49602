"""An assessor scores the basic track, a team member the target track, the assessor confirms; the
ranking shows the final score and the county head sees the result — in Chromium, as people would."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect

from assessment import actions
from assessment.models import Assessment, Score
from tests.assessment.factories import assessment_of, open_year

BASIC = ["文明创建", "优质服务", "廉政建设", "政治业务学习", "信息宣传", "公共管理"]
TARGET = [
    "待遇发放情况",
    "扩大参保覆盖面情况",
    "规范化建设情况",
    "基金财务管理情况",
    "个人权益记录管理情况",
    "稽核审计工作情况",
    "信息化工作情况",
    "社会化服务情况",
]


def score_items(page: Page, names: list[str], deduction: Decimal) -> None:
    for name in names:
        row = page.get_by_test_id(f"score-row-{name}")
        maximum = Decimal(row.locator("td").nth(1).inner_text())
        page.get_by_test_id(f"points-{name}").fill(str(maximum - deduction))
        page.get_by_test_id(f"comment-{name}").fill(f"{name}：扣{deduction}分")
        page.get_by_test_id(f"comment-{name}").press("Tab")
        expect(page.get_by_test_id(f"saved-{name}")).to_be_visible()


def test_basic_and_target_scored_confirmed_ranked_and_seen_by_the_county_head(
    page: Page, live_server, sign_in, org, admin_user, assessor, team_member, head_weihui
):
    year = open_year(admin_user, org.city, 2026)
    team = actions.team_create(year, acting_user=assessor, name="第一考核组", leader=team_member, members=[team_member])
    actions.team_set_counties(team, [assessment_of(year, org.weihui)], acting_user=assessor)
    scoring_url = f"{live_server.url}/assessment/2026/agency/{org.weihui.pk}/"
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in("assessor")
    page.goto(scoring_url)
    expect(page.locator('input[data-testid="points-待遇发放情况"]')).to_have_count(0)  # not the assessor's track
    score_items(page, BASIC, Decimal("1"))
    expect(page.get_by_test_id("total-basic")).to_have_text("94.00")
    page.get_by_test_id("submit-basic").click()
    expect(page.get_by_test_id("submitted-basic")).to_be_visible()

    sign_in("team_a")
    page.goto(scoring_url)
    expect(page.get_by_test_id("points-文明创建")).to_have_text("14.00")  # read-only for the team
    score_items(page, TARGET, Decimal("0.5"))
    expect(page.get_by_test_id("final-score")).to_have_text("95.20")  # 94 × 0.4 + 96 × 0.6
    page.get_by_test_id("submit-target").click()
    expect(page.get_by_test_id("submitted-target")).to_be_visible()

    sign_in("assessor")
    page.goto(scoring_url)
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("assessment-status")).to_have_text("已确认")
    page.goto(f"{live_server.url}/assessment/2026/ranking/")
    expect(page.get_by_test_id(f"final-{org.weihui.pk}")).to_have_text("95.20")

    sign_in("head_weihui")
    expect(page.get_by_text("2026年度考核最终得分 95.20 分，排名")).to_be_visible()
    page.get_by_text("2026年度考核最终得分 95.20 分，排名").click()
    expect(page.get_by_test_id("result-final")).to_have_text("95.20")
    expect(page.get_by_test_id("formula")).to_contain_text("94.00 × 0.4 + 96.00 × 0.6")

    assessment = Assessment.objects.get(year=year, agency=org.weihui)
    assert assessment.status == Assessment.Status.CONFIRMED and assessment.final_score == Decimal("95.20")
    assert Score.objects.get(assessment=assessment, item__name="社会化服务情况").scored_by == team_member
