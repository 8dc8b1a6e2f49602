"""Who may see and do what in the integrity app, built on `supervision.permissions` only.

- Control inspections and spot checks: inspectors reaching the agency see them from the plan on; the
  agency (and everyone else who may view it) sees them once completed / fed back.
- Risk register, analysis reports, disposal plans, service standards: everyone who may view the
  agency; the agency's head and inspectors keep the risk register; the head keeps service standards.
- 一岗双责 and integrity commitments: the agency's head and the city agency's leader and office
  (Action.MANAGE_INTEGRITY), and each person their own.
- Integrity talks: system administrators and users explicitly granted `integrity.view_integritytalk`,
  within their reach; nobody else, whatever their role — not even the head of the person's agency.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from integrity.models import (
    ControlInspection,
    DisposalPlan,
    IntegrityCommitment,
    IntegrityTalk,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    ServiceCommitment,
    ServiceRule,
    SpotCheck,
)
from supervision.models import Agency
from supervision.permissions import Action, Role, agencies_for, has_role, is_system_admin, person_of, reaches, scoped

TALK_VIEW_PERMISSION = "integrity.view_integritytalk"
TALK_ADD_PERMISSION = "integrity.add_integritytalk"


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# Control inspections -------------------------------------------------------------------------


def visible_inspections(user: Any) -> QuerySet[ControlInspection]:
    inspections = ControlInspection.objects.all()
    if not _active(user):
        return inspections.none()
    if is_system_admin(user):
        return inspections
    return inspections.filter(
        Q(agency__in=agencies_for(user, Action.INSPECT))
        | Q(status=ControlInspection.Status.COMPLETED, agency__in=agencies_for(user, Action.VIEW))
    )


def may_plan_inspections(user: Any) -> bool:
    return _active(user) and reaches(user, Action.INSPECT, county=True)


def may_conduct(user: Any, inspection: ControlInspection) -> bool:
    """The inspection's team (its leader and members) records results, completes and cancels."""
    if not _active(user):
        return False
    if is_system_admin(user):
        return True
    if not agencies_for(user, Action.INSPECT).filter(pk=inspection.agency_id).exists():
        return False
    return inspection.lead_id == user.pk or inspection.team.filter(pk=user.pk).exists()


# Spot checks ---------------------------------------------------------------------------------


def visible_spot_checks(user: Any) -> QuerySet[SpotCheck]:
    checks = SpotCheck.objects.all()
    if not _active(user):
        return checks.none()
    if is_system_admin(user):
        return checks
    return checks.filter(
        Q(agency__in=agencies_for(user, Action.INSPECT))
        | (~Q(status=SpotCheck.Status.DRAFT) & Q(agency__in=agencies_for(user, Action.VIEW)))
    )


def may_spot_check(user: Any, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return _active(user) and agencies_for(user, Action.INSPECT).filter(pk=agency_id).exists()


# Risk register -------------------------------------------------------------------------------


def risk_keeping_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies whose risk register, analysis reports and disposal plans this user keeps."""
    return (agencies_for(user, Action.ACT_FOR) | agencies_for(user, Action.INSPECT)).county_agencies().distinct()


def may_keep_risks(user: Any, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return _active(user) and risk_keeping_agencies(user).filter(pk=agency_id).exists()


def visible_risks(user: Any) -> QuerySet[Risk]:
    return scoped(Risk.objects.all(), user)


def visible_risk_reports(user: Any) -> QuerySet[RiskAnalysisReport]:
    return scoped(RiskAnalysisReport.objects.all(), user)


def visible_plans(user: Any) -> QuerySet[DisposalPlan]:
    return scoped(DisposalPlan.objects.all(), user)


# Service standards ---------------------------------------------------------------------------


def service_keeping_agencies(user: Any) -> QuerySet[Agency]:
    return agencies_for(user, Action.ACT_FOR)


def may_keep_service(user: Any, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return _active(user) and service_keeping_agencies(user).filter(pk=agency_id).exists()


def visible_service_commitments(user: Any) -> QuerySet[ServiceCommitment]:
    return scoped(ServiceCommitment.objects.all(), user)


def visible_service_rules(user: Any) -> QuerySet[ServiceRule]:
    return scoped(ServiceRule.objects.all(), user)


# 一岗双责 and integrity commitments -------------------------------------------------------------


def integrity_agencies(user: Any) -> QuerySet[Agency]:
    return agencies_for(user, Action.MANAGE_INTEGRITY)


def may_manage_integrity(user: Any, agency: Agency | int | None = None) -> bool:
    if not _active(user):
        return False
    if agency is None:
        return reaches(user, Action.MANAGE_INTEGRITY)  # answered with every other "anywhere?" of the request
    agency_id = agency if isinstance(agency, int) else agency.pk
    return integrity_agencies(user).filter(pk=agency_id).exists()


def _own_or_managed(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if not _active(user):
        return queryset.none()
    if is_system_admin(user):
        return queryset
    return queryset.filter(Q(agency__in=integrity_agencies(user)) | Q(person__user=user))


def visible_assignments(user: Any) -> QuerySet[ResponsibilityAssignment]:
    return _own_or_managed(ResponsibilityAssignment.objects.all(), user)


def visible_commitments(user: Any) -> QuerySet[IntegrityCommitment]:
    return _own_or_managed(IntegrityCommitment.objects.all(), user)


# Integrity talks -----------------------------------------------------------------------------


def may_view_talks(user: Any) -> bool:
    """Only system administrators and users granted the permission; roles alone never suffice."""
    return _active(user) and (is_system_admin(user) or user.has_perm(TALK_VIEW_PERMISSION))


def may_record_talks(user: Any) -> bool:
    return may_view_talks(user) and (is_system_admin(user) or user.has_perm(TALK_ADD_PERMISSION))


def visible_talks(user: Any) -> QuerySet[IntegrityTalk]:
    if not may_view_talks(user):
        return IntegrityTalk.objects.none()
    return scoped(IntegrityTalk.objects.all(), user)


# Checklists ----------------------------------------------------------------------------------


def may_revise_checklists(user: Any) -> bool:
    """System administrators and the city's inspectors keep the check points and guidance."""
    if not _active(user):
        return False
    if is_system_admin(user):
        return True
    person = person_of(user)
    return has_role(user, Role.INSPECTOR) and person is not None and person.agency.kind in Agency.CITY_KINDS
