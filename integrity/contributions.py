"""What the integrity app contributes to the shared registries: navigation, "my work", demo, files."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.permissions import Role
from supervision.registry import DashboardCard, DashboardCount, DemoSeeder, NavItem, registry

NAV_ROLES = frozenset(Role.values) - {Role.SUPERVISOR}


def _counts(user: Any) -> list[DashboardCount]:
    """Inspections to complete, spot checks to feed back, risks due for review, commitments to sign.

    Integrity talks are never counted here: a number on a dashboard would tell that they exist.
    """
    from integrity import access
    from integrity.models import ControlInspection, IntegrityCommitment, SpotCheck
    from supervision.counting import count_each
    from supervision.permissions import Action, is_system_admin, person_of, reaches

    plans = access.may_plan_inspections(user)
    keeps_risks = reaches(user, Action.ACT_FOR, county=True) or reaches(user, Action.INSPECT, county=True)
    person = person_of(user)
    manages = access.may_manage_integrity(user)
    today = timezone.localdate()
    # Every number of the card in one query.
    wanted: dict[str, Any] = {}
    if plans:
        wanted["inspections"] = (
            ControlInspection.objects.open()
            if is_system_admin(user)
            else ControlInspection.objects.open().filter(Q(lead=user) | Q(team=user)).distinct()
        )
        wanted["drafts"] = SpotCheck.objects.filter(status=SpotCheck.Status.DRAFT, checked_by=user)
    if keeps_risks:
        keeping = access.risk_keeping_agencies(user)
        wanted["due"] = access.visible_risks(user).filter(agency__in=keeping).due_for_review(today)
    if person is not None:
        wanted["to_sign"] = IntegrityCommitment.objects.filter(person=person, status=IntegrityCommitment.Status.PENDING)
    if manages:
        wanted["unsigned"] = access.visible_commitments(user).filter(
            status=IntegrityCommitment.Status.PENDING, year=today.year
        )
    totals = count_each(**wanted)

    counts: list[DashboardCount] = []
    if plans:
        url = reverse("integrity:inspection_list")
        counts.append(
            DashboardCount(_("待完成的内控检查"), totals["inspections"], f"{url}?status=in_progress", "warning")
        )
        if totals["drafts"]:
            url = reverse("integrity:spot_check_list")
            counts.append(DashboardCount(_("待反馈的业务抽查"), totals["drafts"], f"{url}?status=draft", "warning"))
    if keeps_risks:
        due = totals["due"]
        url = reverse("integrity:risk_list")
        counts.append(DashboardCount(_("到期待复核的风险"), due, f"{url}?due=yes", "danger" if due else "secondary"))
    if person is not None and totals["to_sign"]:
        counts.append(
            DashboardCount(
                _("待我签署的廉政承诺书"), totals["to_sign"], reverse("integrity:commitment_list"), "warning"
            )
        )
    if manages:
        url = reverse("integrity:commitment_list")
        counts.append(
            DashboardCount(_("本年度未签署廉政承诺书"), totals["unsigned"], f"{url}?status=pending", "secondary")
        )
    return counts


def _seed(**options: Any) -> None:
    from integrity.demo import seed_integrity

    seed_integrity(**options)


def _attachment_checks() -> None:
    from integrity import access
    from integrity.models import (
        DisposalPlan,
        InspectionItemResult,
        IntegrityCommitment,
        IntegrityTalk,
        IntegrityTalkFollowUp,
        ResponsibilityAssignment,
        RiskAnalysisReport,
        ServiceRule,
        SpotCheck,
    )
    from supervision.attachments import register_record_access

    def visible(queryset_of: Any) -> Any:
        return lambda user, record: queryset_of(user).filter(pk=record.pk).exists()

    register_record_access(
        InspectionItemResult,
        lambda user, result: access.visible_inspections(user).filter(pk=result.inspection_id).exists(),
    )
    register_record_access(SpotCheck, visible(access.visible_spot_checks))
    register_record_access(RiskAnalysisReport, visible(access.visible_risk_reports))
    register_record_access(DisposalPlan, visible(access.visible_plans))
    register_record_access(ServiceRule, visible(access.visible_service_rules))
    register_record_access(ResponsibilityAssignment, visible(access.visible_assignments))
    register_record_access(IntegrityCommitment, visible(access.visible_commitments))
    # 廉政约谈: files follow the talk's own restriction, never the agency's.
    register_record_access(IntegrityTalk, visible(access.visible_talks))
    register_record_access(
        IntegrityTalkFollowUp, lambda user, follow_up: access.visible_talks(user).filter(pk=follow_up.talk_id).exists()
    )


def register() -> None:
    registry.add_nav(
        NavItem(_("内控与廉政"), "integrity:index", order=60, roles=NAV_ROLES, active_prefix="/integrity/")
    )
    registry.add_dashboard(DashboardCard(_("内控与廉政"), _counts, order=60))
    registry.add_demo(DemoSeeder("integrity", _seed, order=60))
    _attachment_checks()
