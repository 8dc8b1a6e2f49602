"""Demo data of the assessment, built through the actions as the bureau would have worked.

- 2024: fully scored, one county reopened and re-confirmed, 红旗区 assessed by the city agency on
  the bureau's authorisation and filed, published; the summary and three county reports generated.
- 2025: fully scored and confirmed in January 2026; 辉县市's objection answered, 卫辉市's objection
  still awaiting the assessor's answer (so the year is not yet published: answer it, then publish).
- 2026: scoring under way: teams with assigned counties (team_a, team_b), site visits, part of the
  scores in, one county submitted and waiting for confirmation, 红旗区 delegated again.

Every step first checks whether it was already done, so running `seed_demo` twice changes nothing.
"""

from __future__ import annotations

import datetime
import zlib
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from supervision.models import City

from . import actions, reports
from .models import Assessment, AssessmentYear, Objection, Report, SiteVisit, Team, Track

User = get_user_model()

TEAMS = {
    "第一考核组": ("team_a", ["凤泉区", "卫滨区", "新乡县", "获嘉县", "原阳县", "卫辉市"]),
    "第二考核组": ("team_b", ["牧野区", "延津县", "封丘县", "辉县市", "长垣市"]),
}
DELEGATED = "红旗区"  # vertically managed; assessed by the city agency on the bureau's authorisation
REOPENED_2024 = "原阳县"
TZ = datetime.timezone(datetime.timedelta(hours=8))


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=TZ)


def _points(year: int, division: str, item_name: str, max_points: Decimal) -> Decimal:
    """Deterministic, plausible points: each county has its level and direction, each item some spread."""
    county = zlib.crc32(division.encode())
    quality = 0.80 + (county % 15) / 100
    direction = 1 if county % 3 else -1
    noise = (zlib.crc32(f"{year}-{division}-{item_name}".encode()) % 100) / 1000 - 0.05
    ratio = min(1.0, max(0.55, quality + direction * 0.02 * (year - 2024) + noise))
    return (max_points * Decimal(str(ratio)) * 2).quantize(Decimal("1")) / 2


def _comment(item_name: str, max_points: Decimal, points: Decimal) -> str:
    deducted = max_points - points
    if not deducted:
        return f"经查阅资料和现场核实，{item_name}符合要求，不扣分。"
    cases = max(1, int(deducted))
    return f"经查阅资料和现场核实，{item_name}发现问题{cases}处，扣{deducted}分。"


def seed_assessment(**_options: object) -> None:
    city = City.objects.filter(code="410700").first()
    if city is None:
        return
    users = {name: User.objects.get(username=name) for name in ("admin", "assessor", "team_a", "team_b", "leader")}
    past_2024 = _year(city, 2024, users)
    _seed_past_year(past_2024, users, reopen=True)
    _publish(past_2024, users)
    _reports(past_2024)
    past_2025 = _year(city, 2025, users, source=past_2024)
    _seed_past_year(past_2025, users, reopen=False)
    _objections_2025(past_2025, users)
    current = _year(city, 2026, users, source=past_2025)
    _seed_current_year(current, users)


def _year(city: City, number: int, users: dict[str, Any], source: AssessmentYear | None = None) -> AssessmentYear:
    year = AssessmentYear.objects.filter(city=city, year=number).first()
    if year is None:
        if source is None:
            year = actions.year_create(acting_user=users["admin"], city=city, year=number)
        else:
            year = actions.year_copy(source, acting_user=users["admin"], copy_teams=True)
    if year.status == AssessmentYear.Status.PREPARING:
        actions.year_open(year, acting_user=users["admin"])
        year.refresh_from_db()
    _teams(year, users)
    _delegate(year, users)
    return year


def _assessment(year: AssessmentYear, division: str) -> Assessment:
    return Assessment.objects.select_related("year", "agency", "team").get(year=year, agency__division__name=division)


def _teams(year: AssessmentYear, users: dict[str, Any]) -> None:
    for name, (leader, divisions) in TEAMS.items():
        team = Team.objects.filter(year=year, name=name).first()
        if team is None:
            team = actions.team_create(
                year, acting_user=users["assessor"], name=name, leader=users[leader], members=[users[leader]]
            )
        if not team.assessments.exists():
            actions.team_set_counties(team, [_assessment(year, d) for d in divisions], acting_user=users["assessor"])


def _delegate(year: AssessmentYear, users: dict[str, Any]) -> None:
    assessment = _assessment(year, DELEGATED)
    if assessment.delegations.exists():
        return
    actions.delegation_grant(
        assessment,
        acting_user=users["assessor"],
        delegates=[users["leader"]],
        note=f"{DELEGATED}社会保险经办机构实行垂直管理，授权市社会保险中心代为考核{year.year}年度基础管理和目标管理。",
    )


def _scorer(assessment: Assessment, track: str, users: dict[str, Any]) -> Any:
    if assessment.agency.division.name == DELEGATED:
        return users["leader"]
    if track == Track.BASIC:
        return users["assessor"]
    leader = TEAMS[assessment.team.name][0]
    return users[leader]


def _score_track(
    assessment: Assessment,
    track: str,
    users: dict[str, Any],
    *,
    limit: int | None = None,
    when: datetime.datetime | None = None,
) -> None:
    user = _scorer(assessment, track, users)
    scores = (
        assessment.scores.filter(item__track=track, points__isnull=True)
        .select_related("item")
        .order_by("item__position")
    )
    for score in list(scores)[:limit]:
        points = _points(assessment.year.year, assessment.agency.division.name, score.item.name, score.max_points)
        actions.score_set(
            score, acting_user=user, points=points, comment=_comment(score.item.name, score.max_points, points), at=when
        )


def _submit(assessment: Assessment, track: str, users: dict[str, Any], when: datetime.datetime | None = None) -> None:
    assessment.refresh_from_db()
    if assessment.submitted_at(track) is None and assessment.status in ("draft", "scoring"):
        actions.track_submit(assessment, track, acting_user=_scorer(assessment, track, users), at=when)


def _visit(assessment: Assessment, users: dict[str, Any], day: datetime.date) -> None:
    if SiteVisit.objects.filter(assessment=assessment).exists():
        return
    user = _scorer(assessment, Track.TARGET, users)
    actions.site_visit_record(
        assessment,
        acting_user=user,
        visited_on=day,
        place=f"{assessment.agency.name}办事大厅及档案室",
        members=[user],
        notes="查阅待遇发放台账、基金财务凭证和稽核档案，抽查个人权益记录20份，与窗口工作人员座谈。",
    )


def _seed_past_year(year: AssessmentYear, users: dict[str, Any], *, reopen: bool) -> None:
    confirm_day = _at(year.year + 1, 1, 20)
    for assessment in Assessment.objects.filter(year=year).select_related("agency__division", "team", "year"):
        if assessment.status not in ("draft", "scoring", "submitted"):
            continue
        _visit(assessment, users, datetime.date(year.year, 12, 10))
        for track in (Track.BASIC, Track.TARGET):
            _score_track(assessment, track, users, when=_at(year.year, 12, 15))
            _submit(assessment, track, users, _at(year.year, 12, 18))
        assessment.refresh_from_db()
        confirmer = users["leader"] if assessment.agency.division.name == DELEGATED else users["assessor"]
        actions.assessment_confirm(assessment, acting_user=confirmer, at=confirm_day)
    reopened = _assessment(year, REOPENED_2024)
    if reopen and reopened.reopen_count == 0 and reopened.status == Assessment.Status.CONFIRMED:
        actions.assessment_reopen(
            reopened,
            acting_user=users["assessor"],
            reason="复核发现“信息宣传”得分录入有误（应扣1分，误扣3分），更正后重新确认。",
            tracks=[Track.BASIC],
        )
        score = reopened.scores.select_related("item").get(item__name="信息宣传")
        actions.score_set(
            score,
            acting_user=users["assessor"],
            points=min(score.max_points, score.points + 2),
            comment="复核更正：全年报送信息少2篇，扣1分。",
        )
        _submit(reopened, Track.BASIC, users)
        actions.assessment_confirm(reopened, acting_user=users["assessor"], at=_at(year.year + 1, 1, 22))
    delegated = _assessment(year, DELEGATED)
    if delegated.status == Assessment.Status.CONFIRMED and not delegated.filings.exists():
        filing = actions.filing_submit(delegated, acting_user=users["leader"], note="受托考核结果，请予备案。")
        actions.filing_acknowledge(filing, acting_user=users["assessor"], text="同意备案。")


def _publish(year: AssessmentYear, users: dict[str, Any]) -> None:
    if year.status != AssessmentYear.Status.PUBLISHED and not actions.publication_problems(year):
        actions.year_publish(year, acting_user=users["assessor"])
        year.refresh_from_db()


def _reports(year: AssessmentYear) -> None:
    """The summary and the reports of the counties with demo accounts (the rest: "立即生成" on the reports page)."""
    if Report.objects.filter(year=year).exists():
        return
    with_accounts = year.assessments.with_results().filter(agency__division__name__in=["卫辉市", "辉县市", DELEGATED])
    for pk in with_accounts.values_list("pk", flat=True):
        reports.render_county_report(pk)
    reports.render_summary_report(year.pk)


def _objections_2025(year: AssessmentYear, users: dict[str, Any]) -> None:
    huixian = _assessment(year, "辉县市")
    if not huixian.objections.exists() and huixian.objection_deadline:
        objection = actions.objection_raise(
            huixian,
            acting_user=User.objects.get(username="head_huixian"),
            items=list(year.items.filter(name="扩大参保覆盖面情况")),
            text="我中心全年扩面完成率为98.6%，考核小组按96%计分，请复核。附扩面台账。",
            at=_at(year.year + 1, 1, 24),
        )
        actions.objection_answer(
            objection,
            acting_user=users["assessor"],
            upheld=False,
            text="经复核，扩面完成率以市局核定的12月报表为准（96.1%），维持原评分。",
        )
    weihui = _assessment(year, "卫辉市")
    if not weihui.objections.exists() and weihui.objection_deadline:
        actions.objection_raise(
            weihui,
            acting_user=User.objects.get(username="head_weihui"),
            items=list(year.items.filter(name__in=["待遇发放情况", "文明创建"])),
            text="待遇发放情况扣分所指2例延迟发放系银行系统故障所致，已于次日补发，有银行说明为证；文明创建已获市级文明单位称号，请复核。",
            at=_at(year.year + 1, 1, 26),
        )


def _seed_current_year(year: AssessmentYear, users: dict[str, Any]) -> None:
    today = timezone.localdate()
    if Objection.objects.filter(assessment__year=year).exists() or year.assessments.exclude(status="draft").exists():
        return  # already seeded: the demo user may have gone on scoring since
    plan = {
        # division: (basic items scored, submit basic, target items scored, submit target)
        "凤泉区": (6, True, 8, True),
        "新乡县": (6, True, 8, True),
        "获嘉县": (6, True, 8, False),
        "原阳县": (6, True, 3, False),
        "卫辉市": (6, False, 0, False),
        "延津县": (4, False, 0, False),
        "封丘县": (2, False, 0, False),
        DELEGATED: (3, False, 0, False),
    }
    for division, (basic, submit_basic, target, submit_target) in plan.items():
        assessment = _assessment(year, division)
        if target:
            _visit(assessment, users, today - datetime.timedelta(days=5))
        _score_track(assessment, Track.BASIC, users, limit=basic)
        if submit_basic:
            _submit(assessment, Track.BASIC, users)
        _score_track(assessment, Track.TARGET, users, limit=target)
        if submit_target:
            _submit(assessment, Track.TARGET, users)
    # One county with both tracks submitted is left for the assessor to confirm; another is confirmed.
    confirmed = _assessment(year, "凤泉区")
    if confirmed.status == Assessment.Status.SUBMITTED:
        actions.assessment_confirm(confirmed, acting_user=users["assessor"])
