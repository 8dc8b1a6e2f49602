"""What supervision (第十二条至第十五条) contributes to the shared registries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, PublicSection, registry


def _oversight_counts(user: Any) -> list[DashboardCount]:
    from supervision.models import Disclosure, FundInspection, GuidanceVisit, SemiannualReport
    from supervision.permissions import (
        Action,
        channels_for,
        may_publish_disclosure,
        reaches,
        scoped,
        scoped_any,
        visible_activities,
    )

    counts: list[DashboardCount] = []
    reports_url = reverse("oversight:report_list")
    if reaches(user, Action.ACT_FOR, county=True):
        own = scoped(SemiannualReport.objects.all(), user, Action.ACT_FOR)
        counts.append(DashboardCount(_("待报送的半年汇报"), own.pending(), f"{reports_url}?status=draft", "warning"))
        returned = own.filter(status=SemiannualReport.Status.RETURNED)
        counts.append(
            DashboardCount(
                _("被退回修改的半年汇报"), returned, f"{reports_url}?status=returned", "danger", hide_zero=True
            )
        )
    if reaches(user, Action.REVIEW_REPORTS):
        to_review = scoped(SemiannualReport.objects.awaiting_review(), user, Action.REVIEW_REPORTS)
        counts.append(DashboardCount(_("待我审阅的半年汇报"), to_review, f"{reports_url}?status=submitted", "warning"))
    inspects = reaches(user, Action.INSPECT)
    if inspects or reaches(user, Action.REVIEW_REPORTS):
        overdue = scoped(SemiannualReport.objects.overdue(), user)
        counts.append(DashboardCount(_("逾期未报送的半年汇报"), overdue, f"{reports_url}?overdue=yes", "danger"))
    if inspects:
        mine = FundInspection.objects.in_progress().filter(pk__in=_team_inspections(user))
        counts.append(
            DashboardCount(
                _("我参加的检查中的基金监督检查"), mine, reverse("oversight:inspection_list") + "?status=in_progress"
            )
        )
        planned = scoped(GuidanceVisit.objects.filter(status=GuidanceVisit.Status.PLANNED), user, Action.INSPECT)
        counts.append(
            DashboardCount(_("计划中的业务监督指导"), planned, reverse("oversight:visit_list") + "?status=planned")
        )
    if may_publish_disclosure(user):
        unpublished = scoped_any(FundInspection.objects.filter(status=FundInspection.Status.CONCLUDED), user).exclude(
            disclosure__status=Disclosure.Status.PUBLISHED
        )
        counts.append(
            DashboardCount(
                _("已结束、尚未公开结果的基金检查"),
                unpublished,
                reverse("oversight:inspection_list") + "?status=concluded",
                "warning",
            )
        )
    if channels_for(user) and not reaches(user):
        activities = visible_activities(user).current()
        counts.append(DashboardCount(_("我所在监督渠道的监督活动"), activities, reverse("oversight:activity_list")))
    return counts


def _team_inspections(user: Any) -> Any:
    from django.db.models import Q

    from supervision.models import FundInspection

    return FundInspection.objects.filter(Q(leader=user) | Q(members=user)).values("pk")


def _seed(**options: Any) -> None:
    from supervision.demo_oversight import seed_oversight

    seed_oversight(**options)


def _may_view_activity(user: Any, activity: Any) -> bool:
    from supervision.permissions import visible_activities

    return visible_activities(user).filter(pk=activity.pk).exists()


def _may_view_by_agency(user: Any, record: Any) -> bool:
    from supervision.permissions import scoped

    return scoped(type(record).objects.filter(pk=record.pk), user).exists()


def _may_view_document(user: Any, record: Any) -> bool:
    """Orders and decisions: whoever sees the inspection and the agency they were served on."""
    from supervision.models import FundInspection
    from supervision.permissions import agencies_for, scoped_any

    visible = scoped_any(FundInspection.objects.filter(pk=record.inspection_id), user).exists()
    return visible and agencies_for(user).filter(pk=record.agency_id).exists()


def _may_view_inquiry(user: Any, inquiry: Any) -> bool:
    """Inquiry records are investigative: only those who may inspect the agency concerned."""
    from supervision.models import FundInspection
    from supervision.permissions import Action, agencies_for, scoped_any

    visible = scoped_any(FundInspection.objects.filter(pk=inquiry.inspection_id), user).exists()
    return visible and agencies_for(user, Action.INSPECT).filter(pk=inquiry.agency_id).exists()


def register() -> None:
    from supervision.attachments import register_record_access
    from supervision.models import (
        CorrectionOrder,
        GuidanceVisit,
        HandlingDecision,
        Inquiry,
        SemiannualReport,
        SupervisionActivity,
    )

    registry.add_nav(NavItem(_("监督检查"), "oversight:index", order=70, active_prefix="/oversight/"))
    registry.add_dashboard(DashboardCard(_("监督检查"), _oversight_counts, order=60))
    registry.add_public(
        PublicSection(
            _("社会保险基金监督检查结果公开"),
            _("依据第十五条，市、县两级人力资源和社会保障部门定期向社会公布社会保险基金监督检查结果。"),
            "disclosure:list",
            order=20,
        )
    )
    registry.add_demo(DemoSeeder("oversight", _seed, order=60))
    register_record_access(SupervisionActivity, _may_view_activity)
    register_record_access(SemiannualReport, _may_view_by_agency)
    register_record_access(GuidanceVisit, _may_view_by_agency)
    register_record_access(CorrectionOrder, _may_view_document)
    register_record_access(HandlingDecision, _may_view_document)
    register_record_access(Inquiry, _may_view_inquiry)
