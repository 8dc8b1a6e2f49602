"""What the ground floor itself contributes to the shared registries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, registry


def _organisation_counts(user: Any) -> list[DashboardCount]:
    from supervision.permissions import agencies_for

    visible = agencies_for(user).county_agencies().count()
    return [DashboardCount(_("可查看的县级经办机构"), visible, reverse("org:agency_list"))]


def _finding_counts(user: Any) -> list[DashboardCount]:
    from django.db.models import Count, Q

    from supervision.models import Finding
    from supervision.models.findings import local_today
    from supervision.permissions import Action, agencies_for, scoped

    visible = scoped(Finding.objects.unresolved(), user)
    totals = visible.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=local_today())),
    )
    if not totals["open"] and not agencies_for(user, Action.INSPECT).exists():
        return []
    url = reverse("findings:list")
    counts = [
        DashboardCount(_("未销号的问题"), totals["open"], f"{url}?status="),
        DashboardCount(_("逾期未整改"), totals["overdue"], f"{url}?overdue=yes", "danger"),
    ]
    to_answer = scoped(Finding.objects.awaiting_answer(), user, Action.ACT_FOR).count()
    if to_answer:
        counts.append(DashboardCount(_("待我单位答复"), to_answer, f"{url}?status=rectifying", "warning"))
    to_verify = Finding.objects.awaiting_verification().filter(
        Q(found_by=user) | Q(agency__in=agencies_for(user, Action.INSPECT))
    )
    if agencies_for(user, Action.INSPECT).exists() or to_verify.exists():
        counts.append(DashboardCount(_("待我核验"), to_verify.count(), f"{url}?status=answered", "warning"))
    return counts


def _seed_organisation(**options: Any) -> None:
    from supervision.demo import seed_organisation

    seed_organisation(**options)


def _seed_findings(**options: Any) -> None:
    from supervision.demo import seed_findings

    seed_findings(**options)


def _may_view_finding_event(user: Any, event: Any) -> bool:
    from supervision.models import Finding
    from supervision.permissions import scoped

    return scoped(Finding.objects.filter(pk=event.finding_id), user).exists()


def register() -> None:
    from supervision.attachments import register_record_access
    from supervision.models import FindingEvent
    from supervision.permissions import STAFF_ROLES, Role

    registry.add_nav(NavItem(_("我的工作"), "dashboard", order=0, active_prefix="/dashboard/"))
    # Everyone who raises, answers, verifies or follows findings; supervisors see their channel instead.
    finding_roles = STAFF_ROLES - {Role.SUPERVISOR}
    registry.add_nav(NavItem(_("问题整改"), "findings:list", order=80, active_prefix="/findings/", roles=finding_roles))
    registry.add_nav(NavItem(_("组织机构"), "org:agency_list", order=90, active_prefix="/org/"))
    registry.add_dashboard(DashboardCard(_("问题与整改"), _finding_counts, order=50))
    registry.add_dashboard(DashboardCard(_("组织机构"), _organisation_counts, order=900))
    registry.add_demo(DemoSeeder("organisation", _seed_organisation, order=0))
    registry.add_demo(DemoSeeder("findings", _seed_findings, order=50))
    register_record_access(FindingEvent, _may_view_finding_event)

    from supervision import contributions_attendance

    contributions_attendance.register()

    from supervision import contributions_oversight

    contributions_oversight.register()
