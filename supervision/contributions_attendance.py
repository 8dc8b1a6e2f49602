"""What work style and attendance (第五条) contributes to the shared registries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision.permissions import Role
from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, registry

ATTENDANCE_ROLES = frozenset(
    {Role.COUNTY_HEAD, Role.COUNTY_STAFF, Role.CITY_AGENCY_LEADER, Role.CITY_AGENCY_OFFICE, Role.INSPECTOR}
)


def _attendance_counts(user: Any) -> list[DashboardCount]:
    from django.utils import timezone

    from supervision.actions.attendance import leaves_awaiting, section_of, visible_leaves
    from supervision.models import Leave, LeaveFiling, SignIn
    from supervision.permissions import Action, person_of, reaches, scoped

    counts: list[DashboardCount] = []
    person = person_of(user)
    if person is not None and person.agency.is_county_agency:  # 第五条: they sign in
        signed = SignIn.objects.filter(person=person, date=timezone.localdate()).exists()
        counts.append(
            DashboardCount(
                _("今日已签到") if signed else _("今日尚未签到"),
                int(signed),
                reverse("attendance:home"),
                "success" if signed else "warning",
            )
        )
        mine = Leave.objects.filter(person=person, status__in=[Leave.Status.SUBMITTED, Leave.Status.APPROVED])
        counts.append(DashboardCount(_("我的请假（待审批、未销假）"), mine, reverse("attendance:leave_list")))
    counts.append(
        DashboardCount(
            _("待我审批的请假"),
            leaves_awaiting(user),
            reverse("attendance:leave_list") + "?view=approve",
            "warning",
            hide_zero=True,
        )
    )
    section = section_of(user)
    if section:
        pending = scoped(
            LeaveFiling.objects.filter(section=section, acknowledged_at__isnull=True),
            user,
            Action.OVERSEE_ATTENDANCE,
            via="leave__agency",
        )
        counts.append(
            DashboardCount(_("待确认的请假备案"), pending, reverse("attendance:filing_list") + "?pending=1", "warning")
        )
    if reaches(user, Action.OVERSEE_ATTENDANCE):
        overdue = visible_leaves(user).overdue_return()
        counts.append(
            DashboardCount(_("逾期未销假"), overdue, reverse("attendance:leave_list") + "?view=all&late=yes", "danger")
        )
    return counts


def _seed_attendance(**options: Any) -> None:
    from supervision.demo_attendance import seed_attendance

    seed_attendance(**options)


def _may_view_visit(user: Any, visit: Any) -> bool:
    from supervision.models import DisciplineVisit
    from supervision.permissions import Action, scoped

    return scoped(DisciplineVisit.objects.filter(pk=visit.pk), user, Action.VISIT).exists()


def register() -> None:
    from supervision.attachments import register_record_access
    from supervision.models import DisciplineVisit

    registry.add_nav(
        NavItem(_("考勤请假"), "attendance:home", order=20, roles=ATTENDANCE_ROLES, active_prefix="/attendance/")
    )
    registry.add_dashboard(DashboardCard(_("考勤与请销假"), _attendance_counts, order=20))
    registry.add_demo(DemoSeeder("attendance", _seed_attendance, order=60))
    register_record_access(DisciplineVisit, _may_view_visit)
