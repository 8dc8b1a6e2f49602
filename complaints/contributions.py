"""What complaints and reports add to the shared navigation, dashboard, public portal and demo data."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supervision.permissions import Role
from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, PublicSection, registry

HANDLING_ROLES = frozenset({Role.COMPLAINT_HANDLER, Role.COUNTY_HEAD})


def _complaint_counts(user: Any) -> list[DashboardCount]:
    from complaints.models import Complaint, local_today
    from complaints.views import visible_complaints
    from supervision.permissions import Action, has_role, reaches

    if not has_role(user, *HANDLING_ROLES) or not reaches(user, Action.HANDLE_COMPLAINTS):
        return []
    visible = visible_complaints(user)
    url = reverse("complaints:list")
    counts = []
    if has_role(user, Role.COMPLAINT_HANDLER):
        received = visible.filter(status=Complaint.Status.RECEIVED)
        counts.append(DashboardCount(_("待受理"), received, f"{url}?status=received", "warning"))
    counts += [
        DashboardCount(_("办理中"), visible.filter(status=Complaint.Status.ACCEPTED), f"{url}?status=accepted"),
        DashboardCount(_("已答复待办结"), visible.filter(status=Complaint.Status.REPLIED), f"{url}?status=replied"),
        DashboardCount(_("逾期"), visible.overdue(local_today()), f"{url}?overdue=yes", "danger"),
    ]
    return counts


def _case_counts(user: Any) -> list[DashboardCount]:
    from complaints.views import visible_cases
    from supervision.permissions import has_role

    if not has_role(user, *HANDLING_ROLES):
        return []
    pending = visible_cases(user).pending()
    url = f"{reverse('complaints:case_list')}?outcome=pending"
    return [DashboardCount(_("审理中的复议诉讼案件"), pending, url, hide_zero=True)]


def _may_view_intake_files(user: Any, complaint: Any) -> bool:
    from complaints.actions import can_handle

    return can_handle(user, complaint)


def _may_view_event_files(user: Any, event: Any) -> bool:
    from complaints.actions import can_handle

    return can_handle(user, event.complaint)


def _seed(**options: Any) -> None:
    from complaints.demo import seed_complaints

    seed_complaints(**options)


def register() -> None:
    from complaints.models import Complaint, ComplaintEvent
    from supervision.attachments import register_record_access

    registry.add_nav(
        NavItem(_("举报投诉"), "complaints:list", order=70, roles=HANDLING_ROLES, active_prefix="/complaints/")
    )
    registry.add_dashboard(DashboardCard(_("举报投诉"), _complaint_counts, order=40))
    registry.add_dashboard(DashboardCard(_("行政复议和行政诉讼"), _case_counts, order=45))
    registry.add_public(
        PublicSection(
            _("举报投诉"),
            _(
                "任何组织或者个人有权对违反社会保险法律、法规的行为进行举报、投诉。举报可以匿名；提交后凭查询码查询办理情况。"
            ),
            "complaints:new",
            order=20,
        )
    )
    registry.add_public(
        PublicSection(
            _("办理情况查询"),
            _("凭提交举报投诉时得到的查询码，查询受理、移交和答复情况。"),
            "complaints:track",
            order=21,
        )
    )
    registry.add_demo(DemoSeeder("complaints", _seed, order=70))
    register_record_access(Complaint, _may_view_intake_files)
    register_record_access(ComplaintEvent, _may_view_event_files)
