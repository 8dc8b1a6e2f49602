"""Who may see what: the one place that answers which agencies a user may see or act on.

Deny unless allowed. A user's reach comes from three sources, combined:

1. their roles (Django groups with the exact names of DESIGN.md), each allowed a set of actions;
2. where they work: someone in a city-level unit reaches every unit of their city, someone in a
   county-level unit reaches the units of their own county, and a county head or county staff
   member reaches their own agency only;
3. explicit django-guardian grants on single agencies (direct foreign-key permission models), which
   widen a user's reach for one action without a role.

Views never query agencies on their own: they start from `agencies_for(user, action)`, `scoped(...)`
or `get_for_user(...)`, so an outsider gets 404 and an insider without the right gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from supervision.models import Agency, AgencyGroupObjectPermission, AgencyUserObjectPermission, Person

if TYPE_CHECKING:
    pass

M = TypeVar("M", bound=models.Model)


class Role(models.TextChoices):
    """The ten roles; each is a Django group of exactly this name."""

    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    CITY_ASSESSOR = "city_assessor", _("市人社局考核人员")
    ASSESSMENT_TEAM = "assessment_team", _("考核小组成员")
    CITY_AGENCY_LEADER = "city_agency_leader", _("市社保经办机构主要领导")
    CITY_AGENCY_OFFICE = "city_agency_office", _("市社保经办机构办公室、人事科")
    COUNTY_HEAD = "county_head", _("县经办机构负责人")
    COUNTY_STAFF = "county_staff", _("县经办机构经办人员")
    INSPECTOR = "inspector", _("稽核、内控检查人员")
    COMPLAINT_HANDLER = "complaint_handler", _("信访、投诉处理人员")
    SUPERVISOR = "supervisor", _("监督人员（人大代表、政协委员、社保委员会委员）")


class Action(models.TextChoices):
    """What a user wants to do with an agency's records."""

    VIEW = "view", _("查看")
    ACT_FOR = "act_for", _("代表单位办理")
    INSPECT = "inspect", _("检查")
    ASSESS = "assess", _("考核评分")
    HANDLE_COMPLAINTS = "handle_complaints", _("处理举报投诉")
    OVERSEE_ATTENDANCE = "oversee_attendance", _("考勤与请销假管理")
    APPROVE_HEAD_LEAVE = "approve_head_leave", _("审批主要负责同志请假")
    VISIT = "visit", _("明察暗访、定期检查")
    SUPERVISE = "supervise", _("监督")
    REVIEW_REPORTS = "review_reports", _("审阅半年业务经办情况汇报")
    MANAGE_INTEGRITY = "manage_integrity", _("廉政建设管理")


STAFF_ROLES = frozenset(Role.values) - {Role.SYSTEM_ADMIN}
OWN_AGENCY_ROLES = frozenset({Role.COUNTY_HEAD, Role.COUNTY_STAFF})

ACTION_ROLES: dict[str, frozenset[str]] = {
    Action.VIEW: STAFF_ROLES,
    Action.ACT_FOR: frozenset({Role.COUNTY_HEAD}),
    Action.INSPECT: frozenset({Role.INSPECTOR}),
    Action.ASSESS: frozenset({Role.CITY_ASSESSOR}),
    Action.HANDLE_COMPLAINTS: frozenset({Role.COMPLAINT_HANDLER, Role.COUNTY_HEAD}),
    Action.OVERSEE_ATTENDANCE: frozenset({Role.CITY_AGENCY_OFFICE, Role.CITY_AGENCY_LEADER, Role.COUNTY_HEAD}),
    Action.APPROVE_HEAD_LEAVE: frozenset({Role.CITY_AGENCY_LEADER}),
    Action.VISIT: frozenset({Role.INSPECTOR, Role.CITY_AGENCY_OFFICE, Role.CITY_AGENCY_LEADER}),
    Action.SUPERVISE: frozenset({Role.SUPERVISOR}),
    Action.REVIEW_REPORTS: frozenset({Role.INSPECTOR}),
    # 第十一条: 一岗双责 and integrity commitments are kept by each agency's head for their staff and by
    # the city agency's leader and office for everyone.
    Action.MANAGE_INTEGRITY: frozenset({Role.COUNTY_HEAD, Role.CITY_AGENCY_LEADER, Role.CITY_AGENCY_OFFICE}),
}

# 第五条: while a county head is away on approved leave, the one acting person (主持工作) acts for the
# agency in the head's stead: answers its findings and oversees its attendance and staff leave.
ACTING_HEAD_ACTIONS = frozenset({Action.ACT_FOR, Action.OVERSEE_ATTENDANCE})

# 第十三条: county agencies report to the *same-level* HRSS department, so these actions reach only
# from a county-level unit (its own county); city-level staff see such records but do not act on them.
COUNTY_LEVEL_ACTIONS = frozenset({Action.REVIEW_REPORTS})

# The guardian codename that grants each action on a single agency.
ACTION_CODENAMES: dict[str, str] = {
    Action.VIEW: "view_agency",
    Action.ACT_FOR: "act_for_agency",
    Action.INSPECT: "inspect_agency",
}


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_supervision_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._supervision_roles = cached
    return cached


def remember_roles(users: Iterable[Any]) -> None:
    """Read the roles (and, where loaded with the user, the person) of many users in one query, for a
    check over a list of people; `roles_of` and `person_of` then ask the database nothing for them."""
    pending = [user for user in users if getattr(user, "_supervision_roles", None) is None]
    names: dict[int, set[str]] = {user.pk: set() for user in pending}
    memberships = get_user_model().groups.through.objects.filter(user_id__in=names)
    for user_id, name in memberships.values_list("user_id", "group__name"):
        names[user_id].add(name)
    for user in pending:
        user._supervision_roles = frozenset(names[user.pk])
        person = user._state.fields_cache.get("person")  # loaded with the user and its agency: reused
        if person is not None and "agency" in person._state.fields_cache and not hasattr(user, "_supervision_person"):
            user._supervision_person = person if person.is_active else None


def has_role(user: Any, *roles: str) -> bool:
    return is_system_admin(user) or bool(roles_of(user) & set(roles))


def is_system_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or Role.SYSTEM_ADMIN in roles_of(user)


def person_of(user: Any) -> Person | None:
    """The person record of a signed-in user (with their agency), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_supervision_person"):
        user._supervision_person = (
            Person.objects.select_related("agency", "agency__division", "agency__city")
            .filter(user=user, is_active=True)
            .first()
        )
    return user._supervision_person


def _reach(person: Person, role: str, action: str = Action.VIEW) -> Q:
    """Which agencies one role reaches from where the person works."""
    if action in COUNTY_LEVEL_ACTIONS and person.agency.kind in Agency.CITY_KINDS:
        return Q(pk__in=[])
    if role in OWN_AGENCY_ROLES:
        return Q(pk=person.agency_id)
    if person.agency.kind in Agency.CITY_KINDS:
        return Q(city_id=person.agency.city_id)
    return Q(division_id=person.agency.division_id)


def _granted(user: Any, action: str) -> Q:
    codename = ACTION_CODENAMES.get(action)
    if codename is None:
        return Q(pk__in=[])
    by_user = AgencyUserObjectPermission.objects.filter(user=user, permission__codename=codename)
    by_group = AgencyGroupObjectPermission.objects.filter(group__user=user, permission__codename=codename)
    return Q(pk__in=by_user.values("content_object_id")) | Q(pk__in=by_group.values("content_object_id"))


def _presiding(user: Any) -> Q:
    """The agencies over which the user presides right now as the acting person of an away head."""
    from django.utils import timezone

    from supervision.models import Leave

    running = Leave.objects.presiding_at(timezone.now()).filter(acting_person__user=user)
    return Q(pk__in=running.values("agency_id"))


def agencies_for(user: Any, action: str = Action.VIEW) -> QuerySet[Agency]:
    """The agencies this user may see (VIEW) or act on for `action`; empty when nothing is allowed."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Agency.objects.none()
    if is_system_admin(user):
        return Agency.objects.all()
    condition = _granted(user, action)
    person = person_of(user)
    if person is not None:
        for role in roles_of(user) & ACTION_ROLES.get(action, frozenset()):
            condition |= _reach(person, role, action)
        if action in ACTING_HEAD_ACTIONS:
            condition |= _presiding(user)
    return Agency.objects.filter(condition)


def reaches(user: Any, action: str = Action.VIEW, *, county: bool = False) -> bool:
    """Whether `agencies_for(user, action)` (only its county agencies with `county`) holds any agency.

    The first call answers for every action in one query and keeps the answers on the user object for
    the request, so that pages asking "may this user do X anywhere?" many times (the dashboard's cards)
    pay one query.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _reach_all(user)[(str(action), county)]


# Not an action on agencies: whether the user holds the model-wide right to publish disclosures, read in
# the same query as the reach (see `may_publish_disclosure`).
_PUBLISHES = ("publish_disclosure", False)


def _reach_all(user: Any) -> dict[tuple[str, bool], bool]:
    """Every answer of `reaches`, and `_PUBLISHES`, from one query, kept on the user for the request."""
    cached = getattr(user, "_supervision_reach", None)
    if cached is None:
        cached = _read_reach(user)
        user._supervision_reach = cached
    return cached


def _read_reach(user: Any) -> dict[tuple[str, bool], bool]:
    from django.db.models import Exists

    subqueries = {_PUBLISHES: Exists(_publish_permissions(user))}
    for action in Action.values:
        agencies = agencies_for(user, action)
        subqueries[(action, False)] = Exists(agencies)
        subqueries[(action, True)] = Exists(agencies.county_agencies())
    names = {key: f"r{index}" for index, key in enumerate(subqueries)}
    # Asked of the user's own row: there is one, whatever the agencies.
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(**{names[key]: expression for key, expression in subqueries.items()})
        .first()
    )
    return {key: bool(row and row[name]) for key, name in names.items()}


def can(user: Any, action: str, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return agencies_for(user, action).filter(pk=agency_id).exists()


def scoped(queryset: QuerySet[M], user: Any, action: str = Action.VIEW, via: str = "agency") -> QuerySet[M]:
    """Narrow any agency-linked queryset to what the user may see or act on."""
    if is_system_admin(user) and getattr(user, "is_active", False):
        return queryset
    return queryset.filter(**{f"{via}__in": agencies_for(user, action)})


def scoped_any(queryset: QuerySet[M], user: Any, action: str = Action.VIEW, via: str = "agencies") -> QuerySet[M]:
    """Narrow a queryset of records linked to several agencies (a many-to-many `via`): those touching
    at least one agency the user may see or act on, each record once."""
    if is_system_admin(user) and getattr(user, "is_active", False):
        return queryset
    touching = queryset.model._default_manager.filter(**{f"{via}__in": agencies_for(user, action)}).values("pk")
    return queryset.filter(pk__in=touching)


def get_for_user(queryset: QuerySet[M], user: Any, pk: Any, action: str = Action.VIEW, via: str = "agency") -> M:
    """Fetch one agency-linked object: 404 when the user may not see it, 403 when they may not act."""
    obj = scoped(queryset, user, Action.VIEW, via).filter(pk=pk).first()
    if obj is None:
        raise Http404
    if action != Action.VIEW:
        agency_id = getattr(obj, f"{via}_id") if via != "pk" else obj.pk
        if not can(user, action, agency_id):
            raise PermissionDenied
    return obj


def get_agency_for_user(user: Any, pk: Any, action: str = Action.VIEW) -> Agency:
    return get_for_user(Agency.objects.select_related("city", "division"), user, pk, action, via="pk")


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: 403 unless the signed-in user holds one of `roles` (system admins always pass)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def may_view_accountability(user: Any) -> bool:
    """责任追究 records are restricted: system administrators and explicitly granted users only."""
    return is_system_admin(user) or bool(
        getattr(user, "is_active", False) and user.has_perm("supervision.view_accountabilityrecord")
    )


def may_record_accountability(user: Any) -> bool:
    return is_system_admin(user) or bool(
        getattr(user, "is_active", False) and user.has_perm("supervision.add_accountabilityrecord")
    )


def visible_accountability(user: Any) -> QuerySet[Any]:
    """The accountability records a user may see: all within reach when granted, none otherwise."""
    from supervision.models import AccountabilityRecord

    if not may_view_accountability(user):
        return AccountabilityRecord.objects.none()
    return scoped(AccountabilityRecord.objects.select_related("agency", "person"), user)


def channels_for(user: Any) -> frozenset[str]:
    """The supervision channels (第十二条) whose activities a supervisor has been granted.

    Supervisors (人大代表、政协委员、社保委员会委员) belong to no unit: what they see comes from their
    channel memberships only. System administrators see every channel.
    """
    from supervision.models.oversight import Channel, ChannelMembership

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if is_system_admin(user):
        return frozenset(Channel.values)
    if Role.SUPERVISOR not in roles_of(user):
        return frozenset()
    cached = getattr(user, "_supervision_channels", None)
    if cached is None:
        cached = frozenset(
            ChannelMembership.objects.filter(user=user, is_active=True).values_list("channel", flat=True)
        )
        user._supervision_channels = cached
    return cached


def visible_activities(user: Any) -> QuerySet[Any]:
    """Supervision activities a user may see: those of their channels (supervisors), and those whose
    subject agencies they may see (bureau and agency staff)."""
    from supervision.models.oversight import SupervisionActivity

    activities = SupervisionActivity.objects.all()
    if is_system_admin(user) and getattr(user, "is_active", False):
        return activities
    by_subject = scoped_any(activities, user, Action.VIEW, via="subjects").values("pk")
    return activities.filter(Q(pk__in=by_subject) | Q(channel__in=channels_for(user)))


def may_publish_disclosure(user: Any) -> bool:
    """第十五条: fund-inspection results go public only when someone holding this right approves them."""
    if is_system_admin(user):
        return True
    if not getattr(user, "is_active", False):
        return False
    if hasattr(user, "_perm_cache"):  # the backend has read the user's permissions already
        return user.has_perm("supervision.publish_disclosure")
    return _reach_all(user)[_PUBLISHES]


def _publish_permissions(user: Any) -> QuerySet[Any]:
    """What ModelBackend.has_perm reads (the only backend granting model-wide rights), in one subquery."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user), content_type__app_label="supervision", codename="publish_disclosure"
    )


def ensure_role_groups(names: Iterable[str] = Role.values) -> None:
    for name in names:
        Group.objects.get_or_create(name=name)
