"""What the assessment adds to the shared pages: navigation, "my work" counts, public portal, demo data."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from supervision.permissions import Role
from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, PublicSection, registry

NAV_ROLES = frozenset({Role.CITY_ASSESSOR, Role.ASSESSMENT_TEAM, Role.CITY_AGENCY_LEADER, Role.COUNTY_HEAD})


def assessment_counts(user: Any) -> list[DashboardCount]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Exists, Q, Subquery

    from supervision.permissions import Action, agencies_for, has_role, is_system_admin

    from . import queries, rules
    from .models import Assessment, AssessmentYear, Delegation, Filing, Objection, TeamMember

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    counts: list[DashboardCount] = []
    city = rules.city_of(user)
    open_years = AssessmentYear.objects.filter(status=AssessmentYear.Status.SCORING)
    if city is not None:
        open_years = open_years.filter(city=city)
    # The latest open year, whether the user scores in an open year and whether they are anyone's delegate:
    # one query, asked of the user's own row (there is one whether or not a year is open).
    facts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            current=Subquery(open_years.order_by("-year").values("year")[:1]),
            on_team=Exists(TeamMember.objects.active().filter(user=user, team__year__in=open_years)),
            delegate=Exists(Delegation.objects.filter(revoked_at__isnull=True, delegates=user)),
        )
        .get()
    )
    current, is_on_team, is_delegate = facts["current"], facts["on_team"], facts["delegate"]
    in_open_years = Assessment.objects.filter(year__in=open_years)

    def overview(todo: str, year: int | None = current) -> str:
        return f"{reverse('assessment:overview', args=[year])}?todo={todo}" if year else reverse("assessment:index")

    if has_role(user, Role.CITY_ASSESSOR) and not is_system_admin(user):
        reach = agencies_for(user, Action.ASSESS)
        mine = in_open_years.filter(agency__in=reach)
        delegated = Delegation.objects.filter(revoked_at__isnull=True).values("assessment_id")
        todo = mine.aggregate(
            basic=Count("pk", filter=Q(pk__in=queries.user_todo(mine, user, "basic").values("pk"))),
            confirm=Count(
                "pk",
                filter=Q(pk__in=queries.user_todo(mine, user, "confirm").values("pk")) & ~Q(pk__in=delegated),
            ),
        )
        counts.append(DashboardCount(_("待评分的县（基础管理）"), todo["basic"], overview("basic"), "warning"))
        counts.append(DashboardCount(_("待确认的考核结果"), todo["confirm"], overview("confirm"), "warning"))
        # The open objections' years, latest raised first: their number and where the link goes, in one query.
        objection_years = list(
            Objection.objects.open()
            .filter(assessment__agency__in=reach)
            .exclude(assessment__in=delegated)
            .order_by("-raised_at")
            .values_list("assessment__year__year", flat=True)
        )
        counts.append(
            DashboardCount(
                _("待答复的异议"),
                len(objection_years),
                reverse("assessment:objections", args=[objection_years[0]]) + "?status=open"
                if objection_years
                else overview("objection"),
                "danger" if objection_years else "secondary",
            )
        )
        filings = Filing.objects.filter(
            acknowledged_at__isnull=True, superseded=False, assessment__agency__in=reach
        ).count()
        if filings:
            counts.append(DashboardCount(_("待确认备案的受托考核结果"), filings, overview("filing"), "warning"))
    if is_on_team:
        counts.append(
            DashboardCount(
                _("待我评分的县（目标管理）"),
                queries.user_todo(in_open_years, user, "target").count(),
                overview("target"),
                "warning",
            )
        )
    if is_delegate:
        delegated = queries.user_todo(Assessment.objects.all(), user, "delegated")
        latest = delegated.select_related("year").order_by("-year__year").first()
        counts.append(
            DashboardCount(
                _("受托考核的县（待完成）"),
                delegated.count(),
                overview("delegated", latest.year.year if latest else current),
                "warning",
            )
        )
        answer = Objection.objects.open().filter(
            assessment__delegations__revoked_at__isnull=True, assessment__delegations__delegates=user
        )
        if answer.exists():
            counts.append(
                DashboardCount(_("待答复的异议（受托考核）"), answer.count(), overview("objection"), "danger")
            )
    if has_role(user, Role.COUNTY_HEAD) and not is_system_admin(user):
        counts += _county_head_counts(user)
    return counts


def _county_head_counts(user: Any) -> list[DashboardCount]:
    from supervision.counting import count_each
    from supervision.permissions import Action, agencies_for

    from . import queries
    from .models import Assessment, Objection

    own = agencies_for(user, Action.ACT_FOR).county_agencies()
    latest = (
        Assessment.objects.with_results()
        .filter(agency__in=own)
        .select_related("year", "agency")
        .order_by("-year__year")
        .first()
    )
    objecting = latest is not None and latest.objection_window_open()
    totals = count_each(
        raised=latest.objections.all() if objecting else Objection.objects.none(),
        waiting=Objection.objects.open().filter(assessment__agency__in=own),
        assessments=Assessment.objects.filter(agency__in=own),
    )
    counts = []
    if latest is not None:
        rank = queries.ranks(latest.year_id).get(latest.pk)
        result_url = reverse("assessment:result", args=[latest.year.year, latest.agency_id])
        counts.append(
            DashboardCount(
                _("%(year)s年度考核最终得分 %(final)s 分，排名")
                % {"year": latest.year.year, "final": latest.final_score},
                rank or 0,
                result_url,
                "success",
            )
        )
        if objecting:
            counts.append(
                DashboardCount(
                    _("可提出异议，截至 %(date)s") % {"date": latest.objection_deadline},
                    totals["raised"],
                    result_url,
                    "info",
                )
            )
    if totals["waiting"]:
        counts.append(
            DashboardCount(_("我单位待答复的异议"), totals["waiting"], reverse("assessment:mine"), "secondary")
        )
    if not counts and totals["assessments"]:
        counts.append(DashboardCount(_("本单位考核尚未确认"), 0, reverse("assessment:mine")))
    return counts


def _may_view_score_file(user: Any, score: Any) -> bool:
    from . import rules

    return rules.may_view_result(user, score.assessment)


def _may_view_visit_file(user: Any, visit: Any) -> bool:
    from . import rules

    return rules.may_view_scoring(user, visit.assessment)


def _may_view_objection_file(user: Any, objection: Any) -> bool:
    from . import rules

    return rules.may_view_result(user, objection.assessment)


def _seed(**options: Any) -> None:
    from .demo import seed_assessment

    seed_assessment(**options)


def register() -> None:
    from supervision.attachments import register_record_access

    from .models import Objection, Score, SiteVisit

    registry.add_nav(
        NavItem(_lazy("双百分考核"), "assessment:index", order=20, roles=NAV_ROLES, active_prefix="/assessment/")
    )
    registry.add_dashboard(DashboardCard(_lazy("双百分考核"), assessment_counts, order=20))
    registry.add_public(
        PublicSection(
            _lazy("双百分考核结果"),
            _lazy("各县（市、区）社会保险经办机构年度基础管理和目标管理考核（双百分考核）结果及排名。"),
            "assessment_public:years",
            order=20,
        )
    )
    registry.add_public(
        PublicSection(
            _lazy("考核报告核验"),
            _lazy("凭考核报告页脚的核验码，确认报告真实有效、是否为最新版本。"),
            "assessment_public:verify_form",
            order=25,
        )
    )
    registry.add_demo(DemoSeeder("assessment", _seed, order=30))
    register_record_access(Score, _may_view_score_file)
    register_record_access(SiteVisit, _may_view_visit_file)
    register_record_access(Objection, _may_view_objection_file)
