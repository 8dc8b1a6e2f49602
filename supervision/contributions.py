"""What the ground floor itself contributes to the shared registries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, registry


def _organisation_counts(user: Any) -> list[DashboardCount]:
    from supervision.permissions import agencies_for

    visible = agencies_for(user).county_agencies()
    return [DashboardCount(_("可查看的县级经办机构"), visible, reverse("org:agency_list"))]


def _finding_counts(user: Any) -> list[DashboardCount]:
    from django.db.models import Count, Q

    from supervision.models import Finding
    from supervision.models.findings import local_today
    from supervision.permissions import Action, agencies_for, is_system_admin, reaches

    def scope(action: str = Action.VIEW) -> Q:  # what `scoped` narrows to, as a condition
        return Q() if is_system_admin(user) and user.is_active else Q(agency__in=agencies_for(user, action))

    # One query for the four counts, each a filtered count.
    unresolved = scope() & Q(status__in=Finding.OPEN_STATUSES)  # as Finding.objects.unresolved()
    to_answer = scope(Action.ACT_FOR) & Q(status=Finding.Status.RECTIFYING)
    to_verify = Q(status=Finding.Status.ANSWERED) & (
        Q(found_by=user) | Q(agency__in=agencies_for(user, Action.INSPECT))
    )
    totals = Finding.objects.aggregate(
        open=Count("pk", filter=unresolved),
        overdue=Count("pk", filter=unresolved & Q(deadline__lt=local_today())),
        to_answer=Count("pk", filter=to_answer),
        to_verify=Count("pk", filter=to_verify),
    )
    inspects = reaches(user, Action.INSPECT)
    if not totals["open"] and not inspects:
        return []
    url = reverse("findings:list")
    counts = [
        DashboardCount(_("未销号的问题"), totals["open"], f"{url}?status="),
        DashboardCount(_("逾期未整改"), totals["overdue"], f"{url}?overdue=yes", "danger"),
    ]
    if totals["to_answer"]:
        counts.append(DashboardCount(_("待我单位答复"), totals["to_answer"], f"{url}?status=rectifying", "warning"))
    if inspects or totals["to_verify"]:
        counts.append(DashboardCount(_("待我核验"), totals["to_verify"], f"{url}?status=answered", "warning"))
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
