"""Who may do what in the assessment (第四条), on top of `supervision.permissions`.

- The basic track is scored by the city bureau's assessors (`Action.ASSESS` on the county).
- The target track is scored by the active members of the team assigned that county that year;
  their object grant (`supervision.view_agency`, given on assignment) makes the county visible.
- For a vertically managed county the bureau may authorise the city agency: while the delegation
  stands, its named delegates score both tracks and confirm, and file the result with the bureau;
  the bureau's assessors acknowledge the filing.
- Confirming and answering objections belong to whoever would confirm; reopening is the bureau's
  (and the delegates' until the result is filed).
- The county head sees their own result once it is confirmed, and may object within the window.

Everything is denied unless a rule here allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from supervision.models import Agency, City
from supervision.permissions import Action, Role, agencies_for, can, has_role, is_system_admin, person_of, roles_of

from .models import Assessment, AssessmentYear, Delegation, TeamMember, Track

User = get_user_model()

# Roles that work on assessments city-wide (the county head only sees their own result).
ASSESSMENT_ROLES = (Role.CITY_ASSESSOR, Role.ASSESSMENT_TEAM, Role.CITY_AGENCY_LEADER)


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) and user.is_active else None


def active_delegation(assessment: Assessment) -> Delegation | None:
    """The standing delegation, cached on the assessment object for the request."""
    if not hasattr(assessment, "_active_delegation"):
        assessment._active_delegation = (
            assessment.delegations.filter(revoked_at__isnull=True)
            .select_related("delegate_agency", "authorised_by")
            .prefetch_related("delegates")
            .first()
        )
    return assessment._active_delegation


def is_delegate(user: Any, assessment: Assessment) -> bool:
    delegation = active_delegation(assessment)
    uid = _uid(user)
    return bool(delegation and uid and any(d.pk == uid for d in delegation.delegates.all()))


def is_team_member(user: Any, assessment: Assessment) -> bool:
    uid = _uid(user)
    if not uid or assessment.team_id is None:
        return False
    return TeamMember.objects.active().filter(team_id=assessment.team_id, user_id=uid).exists()


def is_city_assessor(user: Any, assessment: Assessment) -> bool:
    return can(user, Action.ASSESS, assessment.agency_id)


def scoring_rights(user: Any, assessments: Iterable[Assessment]) -> dict[tuple[int, str], bool]:
    """`may_score` for many assessments at once, in a fixed number of queries: {(assessment id, track): allowed}."""
    assessments = list(assessments)
    uid = _uid(user)
    if not uid or not assessments:
        return {(a.pk, track): False for a in assessments for track in Track.values}
    ids = [a.pk for a in assessments]
    agency_ids = {a.agency_id for a in assessments}
    delegates: dict[int, set[int]] = {}
    standing = Delegation.objects.filter(assessment_id__in=ids, revoked_at__isnull=True).prefetch_related("delegates")
    for delegation in standing:
        delegates.setdefault(delegation.assessment_id, set()).update(d.pk for d in delegation.delegates.all())
    assessed = set(agencies_for(user, Action.ASSESS).filter(pk__in=agency_ids).values_list("pk", flat=True))
    visible = set(agencies_for(user, Action.VIEW).filter(pk__in=agency_ids).values_list("pk", flat=True))
    teams = set(TeamMember.objects.active().filter(user_id=uid).values_list("team_id", flat=True))
    rights: dict[tuple[int, str], bool] = {}
    for a in assessments:
        if a.pk in delegates:
            allowed = {Track.BASIC: uid in delegates[a.pk], Track.TARGET: uid in delegates[a.pk]}
        else:
            allowed = {
                Track.BASIC: a.agency_id in assessed,
                Track.TARGET: a.team_id is not None and a.team_id in teams and a.agency_id in visible,
            }
        for track, value in allowed.items():
            rights[(a.pk, str(track))] = value
    return rights


def may_view_year(user: Any, year: AssessmentYear) -> bool:
    """The year overview, ranking and teams: assessment staff of the city, delegates and team members."""
    if not _uid(user):
        return False
    if is_system_admin(user):
        return True
    person = person_of(user)
    if has_role(user, *ASSESSMENT_ROLES) and person is not None and person.agency.city_id == year.city_id:
        return True
    uid = _uid(user)
    return (
        TeamMember.objects.active().filter(team__year=year, user_id=uid).exists()
        or Delegation.objects.filter(assessment__year=year, revoked_at__isnull=True, delegates__pk=uid).exists()
    )


def may_manage_year(user: Any, year: AssessmentYear | None = None) -> bool:
    """Years, weights and catalogues are configuration: the system administrator's (SPEC's role table)."""
    return is_system_admin(user)


def may_run_year(user: Any, year: AssessmentYear) -> bool:
    """Teams, assignments, publication, reports, import: the city bureau's assessors of that city."""
    if is_system_admin(user):
        return True
    person = person_of(user)
    return Role.CITY_ASSESSOR in roles_of(user) and person is not None and person.agency.city_id == year.city_id


def may_view_scoring(user: Any, assessment: Assessment) -> bool:
    """The scoring page with scores in progress: assessment staff, the team, the delegates."""
    if is_system_admin(user) or is_city_assessor(user, assessment):
        return True
    if is_delegate(user, assessment) or is_team_member(user, assessment):
        return True
    return may_view_year(user, assessment.year) and has_role(user, *ASSESSMENT_ROLES)


def is_own_county_head(user: Any, assessment: Assessment) -> bool:
    return Role.COUNTY_HEAD in roles_of(user) and can(user, Action.ACT_FOR, assessment.agency_id)


def may_view_result(user: Any, assessment: Assessment) -> bool:
    """The result item by item: the staff who may see the scoring, and the county head once confirmed."""
    if may_view_scoring(user, assessment):
        return True
    return assessment.has_result and is_own_county_head(user, assessment)


def may_score(user: Any, assessment: Assessment, track: str) -> bool:
    """Who may set points of `track` (ignoring whether the track is still open; see `Assessment.track_is_open`)."""
    if not _uid(user):
        return False
    if active_delegation(assessment) is not None:
        return is_delegate(user, assessment)
    if track == Track.BASIC:
        return is_city_assessor(user, assessment)
    # 目标管理考核由…考核小组…实地考察: only the assigned team's members, and only while the county is visible to them.
    return is_team_member(user, assessment) and can(user, Action.VIEW, assessment.agency_id)


def may_confirm(user: Any, assessment: Assessment) -> bool:
    if active_delegation(assessment) is not None:
        return is_delegate(user, assessment)
    return is_city_assessor(user, assessment)


def may_reopen(user: Any, assessment: Assessment) -> bool:
    """The bureau always; the delegates until their result is filed with the bureau."""
    if is_city_assessor(user, assessment) and not is_delegate(user, assessment):
        return True
    return is_delegate(user, assessment) and assessment.status in (
        Assessment.Status.SUBMITTED,
        Assessment.Status.CONFIRMED,
    )


def may_delegate(user: Any, assessment: Assessment) -> bool:
    """市社会保险行政部门可授权: the bureau's assessors, for a vertically managed county."""
    return is_city_assessor(user, assessment) and assessment.agency.is_vertically_managed(assessment.year.year)


def may_file(user: Any, assessment: Assessment) -> bool:
    return is_delegate(user, assessment)


def may_acknowledge_filing(user: Any, assessment: Assessment) -> bool:
    return is_city_assessor(user, assessment) and not is_delegate(user, assessment)


def may_record_visit(user: Any, assessment: Assessment) -> bool:
    return may_score(user, assessment, Track.TARGET)


def may_raise_objection(user: Any, assessment: Assessment) -> bool:
    return is_own_county_head(user, assessment)


def may_answer_objection(user: Any, assessment: Assessment) -> bool:
    return may_confirm(user, assessment)


def city_of(user: Any) -> City | None:
    person = person_of(user)
    return person.agency.city if person is not None else None


def city_agency(city: City | int) -> Agency | None:
    return Agency.objects.filter(city=city, kind=Agency.Kind.CITY_AGENCY, is_active=True).first()


def city_assessors(city_id: int) -> QuerySet[Any]:
    return User.objects.filter(
        is_active=True,
        groups__name=Role.CITY_ASSESSOR,
        person__agency__city_id=city_id,
        person__agency__kind__in=Agency.CITY_KINDS,
        person__is_active=True,
    ).distinct()


def county_heads(agency_id: int) -> QuerySet[Any]:
    from supervision.models import Person

    return User.objects.filter(
        is_active=True, person__agency_id=agency_id, person__position=Person.Position.HEAD, person__is_active=True
    )
