"""Audited actions of the assessment (第四条).

Each action runs in one transaction, checks the acting user's right (see `rules`), locks the rows it
changes, refuses a stale version, writes history in the same transaction (with the acting user and
a reason) and tells the people who must act through `notify` (mail after commit).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from supervision.attachments import attach
from supervision.models import Agency, AgencyUserObjectPermission, City
from supervision.notifications import notify
from supervision.workflow import TransitionNotAllowed, bump_version

from . import rules
from .catalogue import DEFAULT_CATALOGUE
from .models import (
    Assessment,
    AssessmentYear,
    CatalogueItem,
    CatalogueSubItem,
    Delegation,
    Filing,
    Objection,
    Score,
    SiteVisit,
    Team,
    TeamMember,
    Track,
    default_deadline,
    default_opens_on,
)
from .scoring import TRACK_TOTAL, TWO_PLACES, compute_result

User = get_user_model()


def _by(record: models.Model, user: Any, reason: str = "") -> None:
    """History of this save: who (also outside a request, e.g. in the demo seeder) and why."""
    if getattr(user, "is_authenticated", False):
        record._history_user = user
    if reason:
        record._change_reason = reason[:100]


def _agency_url(assessment: Assessment) -> str:
    return reverse("assessment:agency", args=[assessment.year.year, assessment.agency_id])


def _result_url(assessment: Assessment) -> str:
    return reverse("assessment:result", args=[assessment.year.year, assessment.agency_id])


def _lock_assessment(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("year", "agency", "agency__division", "team")
        .get(pk=assessment.pk)
    )


def _lock_year(year: AssessmentYear) -> AssessmentYear:
    return AssessmentYear.objects.select_for_update(of=("self",)).select_related("city").get(pk=year.pk)


# ---------------------------------------------------------------------------------------------
# Years and catalogue


def catalogue_problems(year: AssessmentYear) -> list[str]:
    """What stops a catalogue from being used: each track must have items summing to exactly 100."""
    problems = []
    items = list(year.items.prefetch_related("sub_items"))
    for track, label in Track.choices:
        track_items = [item for item in items if item.track == track]
        total = sum((item.max_points for item in track_items), Decimal("0"))
        if not track_items:
            problems.append(_("%(track)s没有考核项目。") % {"track": label})
        elif total != TRACK_TOTAL:
            problems.append(_("%(track)s各项分值合计须为100分，当前为%(total)s分。") % {"track": label, "total": total})
        for item in track_items:
            subs = list(item.sub_items.all())
            if subs and sum((sub.points for sub in subs), Decimal("0")) != item.max_points:
                problems.append(
                    _("“%(item)s”各细项分值合计须等于该项分值%(max)s分。") % {"item": item.name, "max": item.max_points}
                )
    return problems


def _require_manager(user: Any, year: AssessmentYear | None = None) -> None:
    if not rules.may_manage_year(user, year):
        raise PermissionDenied


def _require_runner(user: Any, year: AssessmentYear) -> None:
    if not rules.may_run_year(user, year):
        raise PermissionDenied


def _check_weights(basic_weight: Decimal, target_weight: Decimal) -> None:
    if basic_weight < 0 or target_weight < 0 or basic_weight + target_weight != 1:
        raise ValidationError(_("两项权重须为非负数，且合计等于1。"))


@transaction.atomic
def year_create(
    *,
    acting_user: Any,
    city: City,
    year: int,
    basic_weight: Decimal | None = None,
    target_weight: Decimal | None = None,
    scoring_opens_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
    objection_days: int = 10,
) -> AssessmentYear:
    """A new year with the default catalogue (the regulation's items, our default points)."""
    _require_manager(acting_user)
    record = AssessmentYear(
        city=city,
        year=year,
        scoring_opens_on=scoring_opens_on or default_opens_on(year),
        deadline=deadline or default_deadline(year),
        objection_days=objection_days,
    )
    if basic_weight is not None and target_weight is not None:
        record.basic_weight, record.target_weight = basic_weight, target_weight
    _check_weights(record.basic_weight, record.target_weight)
    if AssessmentYear.objects.filter(city=city, year=year).exists():
        raise ValidationError(_("%(year)s年度已经存在。") % {"year": year})
    _by(record, acting_user, _("新建考核年度"))
    record.save()
    for track, specs in DEFAULT_CATALOGUE.items():
        for position, spec in enumerate(specs, start=1):
            item = CatalogueItem(
                year=record,
                track=track,
                position=position,
                name=spec.name,
                max_points=Decimal(spec.max_points),
                description=spec.description,
                deduction_rule=spec.rule,
            )
            _by(item, acting_user)
            item.save()
            for sub_position, sub in enumerate(spec.sub_items, start=1):
                sub_item = CatalogueSubItem(
                    item=item, position=sub_position, name=sub.name, points=Decimal(sub.points), deduction_rule=sub.rule
                )
                _by(sub_item, acting_user)
                sub_item.save()
    return record


@transaction.atomic
def year_copy(source: AssessmentYear, *, acting_user: Any, copy_teams: bool = False) -> AssessmentYear:
    """ "Start next year from this one": the catalogue, weights and window (one year later), optionally the teams."""
    _require_manager(acting_user, source)
    source = _lock_year(source)
    new_year = source.year + 1
    if AssessmentYear.objects.filter(city=source.city_id, year=new_year).exists():
        raise ValidationError(_("%(year)s年度已经存在。") % {"year": new_year})
    record = AssessmentYear(
        city_id=source.city_id,
        year=new_year,
        basic_weight=source.basic_weight,
        target_weight=source.target_weight,
        scoring_opens_on=_one_year_later(source.scoring_opens_on),
        deadline=_one_year_later(source.deadline),
        objection_days=source.objection_days,
        copied_from=source,
    )
    _by(record, acting_user, _("由%(year)s年度复制") % {"year": source.year})
    record.save()
    for item in source.items.prefetch_related("sub_items"):
        copy = CatalogueItem(
            year=record,
            track=item.track,
            position=item.position,
            name=item.name,
            max_points=item.max_points,
            description=item.description,
            deduction_rule=item.deduction_rule,
        )
        _by(copy, acting_user)
        copy.save()
        for sub in item.sub_items.all():
            sub_copy = CatalogueSubItem(
                item=copy, position=sub.position, name=sub.name, points=sub.points, deduction_rule=sub.deduction_rule
            )
            _by(sub_copy, acting_user)
            sub_copy.save()
    if copy_teams:
        for team in source.teams.prefetch_related("memberships"):
            members = [m.user for m in team.memberships.all() if m.removed_at is None]
            team_create(
                record, acting_user=acting_user, name=team.name, leader=team.leader, members=members, note=team.note
            )
    return record


def _one_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def year_update_settings(
    year: AssessmentYear,
    *,
    acting_user: Any,
    basic_weight: Decimal,
    target_weight: Decimal,
    scoring_opens_on: datetime.date,
    deadline: datetime.date,
    objection_days: int,
    version: int | None = None,
) -> AssessmentYear:
    _require_manager(acting_user, year)
    year = _lock_year(year)
    bump_version(year, version)
    weights_changed = (basic_weight, target_weight) != (year.basic_weight, year.target_weight)
    if weights_changed and year.status != AssessmentYear.Status.PREPARING:
        # Stored results are computed with these weights: they are fixed once scoring starts.
        raise TransitionNotAllowed(_("考核已开始，权重不能再修改。"))
    _check_weights(basic_weight, target_weight)
    if deadline < scoring_opens_on:
        raise ValidationError(_("评分截止日期不能早于评分开始日期。"))
    year.basic_weight, year.target_weight = basic_weight, target_weight
    year.scoring_opens_on, year.deadline, year.objection_days = scoring_opens_on, deadline, objection_days
    _by(year, acting_user, _("修改考核年度设置"))
    year.save()
    return year


@dataclass(frozen=True)
class ItemChange:
    item_id: int
    max_points: Decimal
    description: str
    deduction_rule: str


@transaction.atomic
def catalogue_update(
    year: AssessmentYear, track: str, changes: Sequence[ItemChange], *, acting_user: Any, version: int | None = None
) -> None:
    """Change one track's points and rules at once; the track must still sum to exactly 100."""
    _require_manager(acting_user, year)
    year = _lock_year(year)
    if year.status != AssessmentYear.Status.PREPARING:
        raise TransitionNotAllowed(_("考核已开始，考核内容和分值不能再修改。"))
    bump_version(year, version)
    items = {item.pk: item for item in year.items.filter(track=track)}
    changed = []
    for change in changes:
        item = items.get(change.item_id)
        if item is None:
            raise PermissionDenied
        new_values = (change.max_points, change.description.strip(), change.deduction_rule.strip())
        if new_values != (item.max_points, item.description, item.deduction_rule):
            item.max_points, item.description, item.deduction_rule = new_values
            changed.append(item)
    total = sum((item.max_points for item in items.values()), Decimal("0"))
    if total != TRACK_TOTAL:
        raise ValidationError(
            _("%(track)s各项分值合计须为100分，当前为%(total)s分。") % {"track": Track(track).label, "total": total}
        )
    sub_totals = dict(
        CatalogueSubItem.objects.filter(item__in=changed)
        .values("item_id")
        .annotate(total=Sum("points"))
        .values_list("item_id", "total")
    )
    for item in changed:
        sub_total = sub_totals.get(item.pk) or Decimal("0")
        if sub_total and sub_total != item.max_points:
            raise ValidationError(
                _("“%(item)s”设有细项，合计%(sub)s分；请先调整细项，再修改该项分值。")
                % {"item": item.name, "sub": sub_total}
            )
        _by(item, acting_user, _("修改考核内容"))
        item.save()
    _by(year, acting_user, _("修改%(track)s考核内容") % {"track": Track(track).label})
    year.save()


@dataclass(frozen=True)
class SubItemSpec:
    name: str
    points: Decimal
    deduction_rule: str = ""


@transaction.atomic
def sub_items_replace(
    item: CatalogueItem, specs: Sequence[SubItemSpec], *, acting_user: Any, version: int | None = None
) -> None:
    """Set an item's breakdown; when there is one, its points must add up to the item's.

    Like every change of the catalogue, it counts as a change of the year (`version` is the year's).
    """
    year = _lock_year(item.year)
    _require_manager(acting_user, year)
    if year.status != AssessmentYear.Status.PREPARING:
        raise TransitionNotAllowed(_("考核已开始，考核内容和分值不能再修改。"))
    bump_version(year, version)
    if specs and sum((spec.points for spec in specs), Decimal("0")) != item.max_points:
        raise ValidationError(
            _("“%(item)s”各细项分值合计须等于该项分值%(max)s分。") % {"item": item.name, "max": item.max_points}
        )
    existing = list(item.sub_items.all())
    for sub in existing:
        _by(sub, acting_user, _("修改考核细项"))
        sub.delete()
    for position, spec in enumerate(specs, start=1):
        sub = CatalogueSubItem(
            item=item, position=position, name=spec.name, points=spec.points, deduction_rule=spec.deduction_rule
        )
        _by(sub, acting_user, _("修改考核细项"))
        sub.save()
    _by(year, acting_user, _("修改“%(item)s”的细项") % {"item": item.name})
    year.save()


@transaction.atomic
def year_open(year: AssessmentYear, *, acting_user: Any) -> int:
    """Start the assessment: freeze the catalogue and create each county's assessment with empty scores."""
    _require_manager(acting_user, year)
    year = _lock_year(year)
    problems = catalogue_problems(year)
    if problems:
        raise TransitionNotAllowed(" ".join(problems))
    year.open()
    _by(year, acting_user, _("开始考核"))
    year.save()
    return _create_assessments(year, acting_user)


def _create_assessments(year: AssessmentYear, acting_user: Any) -> int:
    existing = set(year.assessments.values_list("agency_id", flat=True))
    agencies = Agency.objects.county_agencies().active().filter(city=year.city_id).exclude(pk__in=existing)
    assessments = [Assessment(year=year, agency=agency) for agency in agencies.order_by("division__code")]
    if not assessments:
        return 0
    default_user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    created = bulk_create_with_history(
        assessments, Assessment, default_user=default_user, default_change_reason=_("开始考核")
    )
    created_ids = list(
        Assessment.objects.filter(year=year, agency_id__in=[a.agency_id for a in assessments]).values_list(
            "pk", flat=True
        )
    )
    items = list(year.items.all())
    # Empty scores too: every row of an audited table starts its history when it is written.
    bulk_create_with_history(
        [
            Score(assessment_id=assessment_id, item=item, max_points=item.max_points)
            for assessment_id in created_ids
            for item in items
        ],
        Score,
        batch_size=2000,
        default_user=default_user,
        default_change_reason=_("开始考核"),
    )
    return len(created)


@transaction.atomic
def year_add_missing_agencies(year: AssessmentYear, *, acting_user: Any) -> int:
    """A county agency set up after the year opened joins it with empty scores."""
    _require_runner(acting_user, year)
    year = _lock_year(year)
    if year.status == AssessmentYear.Status.PREPARING:
        raise TransitionNotAllowed(_("考核尚未开始。"))
    return _create_assessments(year, acting_user)


def publication_problems(year: AssessmentYear, today: datetime.date | None = None) -> list[str]:
    """Why the year's results may not be published yet (empty when they may)."""
    today = today or timezone.localdate()
    problems = []
    assessments = list(
        year.assessments.select_related("agency").annotate(
            delegated=models.Exists(
                Delegation.objects.filter(assessment=models.OuterRef("pk"), revoked_at__isnull=True)
            ),
            open_objections=models.Count("objections", filter=Q(objections__status=Objection.Status.OPEN)),
        )
    )
    if not assessments:
        problems.append(_("本年度没有考核对象。"))
    for assessment in assessments:
        if assessment.status == Assessment.Status.PUBLISHED:
            continue
        if assessment.status not in (Assessment.Status.CONFIRMED, Assessment.Status.FILED):
            problems.append(_("%(agency)s：考核结果尚未确认。") % {"agency": assessment.agency})
        elif assessment.delegated and assessment.status != Assessment.Status.FILED:
            problems.append(_("%(agency)s：受托考核结果尚未备案。") % {"agency": assessment.agency})
        if assessment.open_objections:
            problems.append(_("%(agency)s：有待答复的异议。") % {"agency": assessment.agency})
        elif assessment.objection_deadline and assessment.objection_deadline >= today:
            problems.append(
                _("%(agency)s：异议期至%(date)s，尚未届满。")
                % {"agency": assessment.agency, "date": assessment.objection_deadline}
            )
    return problems


@transaction.atomic
def year_publish(year: AssessmentYear, *, acting_user: Any, today: datetime.date | None = None) -> int:
    """公布: every result confirmed (delegated ones filed), no objection pending or still possible."""
    _require_runner(acting_user, year)
    year = _lock_year(year)
    list(Assessment.objects.select_for_update(of=("self",)).filter(year=year))
    problems = publication_problems(year, today)
    if problems:
        raise TransitionNotAllowed(" ".join(problems))
    delegated_ids = set(
        Delegation.objects.filter(assessment__year=year, revoked_at__isnull=True).values_list(
            "assessment_id", flat=True
        )
    )
    published = 0
    for assessment in year.assessments.exclude(status=Assessment.Status.PUBLISHED).select_related("agency"):
        assessment.publish(delegated=assessment.pk in delegated_ids)
        _by(assessment, acting_user, _("公布考核结果"))
        assessment.save()
        published += 1
    year.publish(acting_user)
    _by(year, acting_user, _("公布考核结果"))
    year.save()
    for assessment in year.assessments.select_related("agency"):
        notify(
            rules.county_heads(assessment.agency_id),
            _("%(year)s年度双百分考核结果已公布") % {"year": year.year},
            url=_result_url(assessment),
            key=f"assessment-published-{assessment.pk}-{assessment.reopen_count}",
        )
    return published


# ---------------------------------------------------------------------------------------------
# Teams and the object grants that make assigned counties visible to their members

VIEW_CODENAME = "view_agency"


def _view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="supervision", codename=VIEW_CODENAME)


def _grant_view(user_ids: Iterable[int], agency_ids: Iterable[int], permission: Permission | None = None) -> None:
    wanted = {(user_id, agency_id) for user_id in set(user_ids) for agency_id in set(agency_ids)}
    if not wanted:
        return
    permission = permission or _view_permission()
    existing = set(
        AgencyUserObjectPermission.objects.filter(
            permission=permission,
            user_id__in={user_id for user_id, _agency_id in wanted},
            content_object_id__in={agency_id for _user_id, agency_id in wanted},
        ).values_list("user_id", "content_object_id")
    )
    AgencyUserObjectPermission.objects.bulk_create(
        [
            AgencyUserObjectPermission(user_id=user_id, permission=permission, content_object_id=agency_id)
            for user_id, agency_id in sorted(wanted - existing)
        ],
        ignore_conflicts=True,  # granted meanwhile by a concurrent assignment: the grant is there, as wanted
    )


def _still_justified(user_id: int, agency_id: int) -> bool:
    """Another team assignment or standing delegation still needs this user to see the county."""
    by_team = Assessment.objects.filter(
        agency_id=agency_id,
        team__memberships__user_id=user_id,
        team__memberships__removed_at__isnull=True,
    ).exists()
    by_delegation = Delegation.objects.filter(
        assessment__agency_id=agency_id, revoked_at__isnull=True, delegates__pk=user_id
    ).exists()
    return by_team or by_delegation


def _revoke_view(user_ids: Iterable[int], agency_ids: Iterable[int], permission: Permission | None = None) -> None:
    """Take back grants we gave, unless another assignment still justifies them (call after the change)."""
    permission = permission or _view_permission()
    for user_id in set(user_ids):
        for agency_id in set(agency_ids):
            if not _still_justified(user_id, agency_id):
                AgencyUserObjectPermission.objects.filter(
                    user_id=user_id, permission=permission, content_object_id=agency_id
                ).delete()


def _team_agency_ids(team: Team) -> list[int]:
    return list(team.assessments.values_list("agency_id", flat=True))


def _active_member_ids(team: Team) -> list[int]:
    return list(team.memberships.active().values_list("user_id", flat=True))


@transaction.atomic
def team_create(
    year: AssessmentYear,
    *,
    acting_user: Any,
    name: str,
    leader: Any = None,
    members: Iterable[Any] = (),
    note: str = "",
) -> Team:
    _require_runner(acting_user, year)
    if Team.objects.filter(year=year, name=name).exists():
        raise ValidationError(_("本年度已有名为“%(name)s”的考核小组。") % {"name": name})
    team = Team(year=year, name=name, leader=leader, note=note)
    _by(team, acting_user, _("组建考核小组"))
    team.save()
    members = list(members)
    if leader is not None and leader not in members:
        members.insert(0, leader)
    _set_members(team, members, acting_user)
    return team


@transaction.atomic
def team_update(
    team: Team,
    *,
    acting_user: Any,
    name: str,
    leader: Any,
    members: Iterable[Any],
    note: str = "",
    version: int | None = None,
) -> Team:
    _require_runner(acting_user, team.year)
    team = Team.objects.select_for_update(of=("self",)).select_related("year").get(pk=team.pk)
    bump_version(team, version)
    if Team.objects.filter(year=team.year, name=name).exclude(pk=team.pk).exists():
        raise ValidationError(_("本年度已有名为“%(name)s”的考核小组。") % {"name": name})
    team.name, team.leader, team.note = name, leader, note
    _by(team, acting_user, _("修改考核小组"))
    team.save()
    members = list(members)
    if leader is not None and leader not in members:
        members.insert(0, leader)
    _set_members(team, members, acting_user)
    return team


def _set_members(team: Team, users: list[Any], acting_user: Any) -> None:
    wanted = {user.pk for user in users}
    current = {m.user_id: m for m in team.memberships.active()}
    agency_ids = _team_agency_ids(team)
    removed = [m for uid, m in current.items() if uid not in wanted]
    for membership in removed:
        membership.removed_at = timezone.now()
        _by(membership, acting_user, _("退出考核小组"))
        membership.save()
    added = [user for user in users if user.pk not in current]
    for user in added:
        membership = TeamMember(team=team, user=user)
        _by(membership, acting_user, _("加入考核小组"))
        membership.save()
    permission = _view_permission()
    _grant_view([user.pk for user in added], agency_ids, permission)
    _revoke_view([m.user_id for m in removed], agency_ids, permission)
    if added:
        notify(
            added,
            _("您已加入%(year)s年度%(team)s") % {"year": team.year.year, "team": team.name},
            body=_("负责目标管理考核的实地考察和评分。"),
            url=reverse("assessment:team", args=[team.year.year, team.pk]),
        )


@transaction.atomic
def team_set_counties(
    team: Team, assessments: Iterable[Assessment], *, acting_user: Any, version: int | None = None
) -> None:
    """Assign exactly these counties to the team (分组进行实地考察); members get to see them, and only them.

    `version` is the team's version the assessor saw: an assignment changed meanwhile is a conflict.
    """
    _require_runner(acting_user, team.year)
    team = Team.objects.select_for_update(of=("self",)).select_related("year").get(pk=team.pk)
    bump_version(team, version)
    _by(team, acting_user, _("分配负责的县（市、区）"))
    team.save()
    wanted = {assessment.pk for assessment in assessments}
    locked = {
        a.pk: a
        for a in Assessment.objects.select_for_update(of=("self",))
        .filter(Q(pk__in=wanted) | Q(team=team))
        .select_related("agency")
    }
    members = _active_member_ids(team)
    permission = _view_permission()
    dropped_agencies, added_agencies = [], []
    for pk, assessment in locked.items():
        if assessment.year_id != team.year_id:
            raise PermissionDenied
        if pk in wanted and assessment.team_id == team.pk:
            continue
        if pk in wanted:
            if rules.active_delegation(assessment) is not None:
                raise TransitionNotAllowed(
                    _("%(agency)s 已授权市社会保险经办机构代为考核，不再分配考核小组。") % {"agency": assessment.agency}
                )
            if not assessment.track_is_open(Track.TARGET):
                raise TransitionNotAllowed(
                    _("%(agency)s 的目标管理评分已提交，不能更换考核小组。") % {"agency": assessment.agency}
                )
            previous_team_id = assessment.team_id
            assessment.team = team
            _by(assessment, acting_user, _("分配考核小组：%(team)s") % {"team": team.name})
            assessment.save()
            added_agencies.append(assessment.agency_id)
            if previous_team_id:
                _revoke_view(
                    TeamMember.objects.active().filter(team_id=previous_team_id).values_list("user_id", flat=True),
                    [assessment.agency_id],
                    permission,
                )
        else:
            if not assessment.track_is_open(Track.TARGET):
                raise TransitionNotAllowed(
                    _("%(agency)s 的目标管理评分已提交，不能更换考核小组。") % {"agency": assessment.agency}
                )
            assessment.team = None
            _by(assessment, acting_user, _("取消分配考核小组：%(team)s") % {"team": team.name})
            assessment.save()
            dropped_agencies.append(assessment.agency_id)
    _grant_view(members, added_agencies, permission)
    _revoke_view(members, dropped_agencies, permission)
    if added_agencies:
        names = "、".join(str(a.agency) for a in locked.values() if a.agency_id in added_agencies)
        notify(
            User.objects.filter(pk__in=members),
            _("%(team)s分配了考核对象") % {"team": team.name},
            body=names,
            url=reverse("assessment:team", args=[team.year.year, team.pk]),
        )


# ---------------------------------------------------------------------------------------------
# Scoring


def parse_points(value: Any, max_points: Decimal) -> Decimal:
    """Points as entered (text, number, Decimal): two decimal places at most, within [0, max]."""
    if isinstance(value, float):
        value = repr(value)
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("得分“%(value)s”不是有效的数字。") % {"value": value}) from None
    if not points.is_finite():
        raise ValidationError(_("得分“%(value)s”不是有效的数字。") % {"value": value})
    if points != points.quantize(TWO_PLACES):
        raise ValidationError(_("得分最多保留两位小数。"))
    if points < 0 or points > max_points:
        raise ValidationError(_("得分须在0至%(max)s分之间。") % {"max": max_points})
    return points.quantize(TWO_PLACES)


def _store_totals(assessment: Assessment) -> None:
    """Recompute the stored totals from the scores (running totals)."""
    result = compute_result(
        assessment.scores.values_list("item__track", "points"),
        assessment.year.basic_weight,
        assessment.year.target_weight,
    )
    assessment.basic_total = result.basic_total
    assessment.target_total = result.target_total
    assessment.final_score = result.final_score


def _require_open_track(assessment: Assessment, track: str) -> None:
    if assessment.year.status == AssessmentYear.Status.PREPARING:
        raise TransitionNotAllowed(_("考核尚未开始。"))
    if assessment.status not in (Assessment.Status.DRAFT, Assessment.Status.SCORING):
        raise TransitionNotAllowed(_("考核结果已锁定，不能修改评分。如需修改，请先说明理由重新打开。"))
    if assessment.submitted_at(track) is not None:
        raise TransitionNotAllowed(
            _("%(track)s评分已提交，不能再修改。如需修改，请由确认人退回重新评分。") % {"track": Track(track).label}
        )


@transaction.atomic
def score_set(
    score: Score,
    *,
    acting_user: Any,
    points: Any,
    comment: str = "",
    version: int | None = None,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> Score:
    """Set one item's points and comment; a stale version is refused (nothing overwritten)."""
    assessment = _lock_assessment(score.assessment)
    score = Score.objects.select_for_update(of=("self",)).select_related("item").get(pk=score.pk)
    track = score.item.track
    if not rules.may_score(acting_user, assessment, track):
        raise PermissionDenied
    _require_open_track(assessment, track)
    bump_version(score, version)
    score.points = parse_points(points, score.max_points)
    score.comment = comment.strip()
    score.scored_by = acting_user
    score.scored_at = at or timezone.now()
    _by(score, acting_user, reason or _("评分"))
    score.save()
    if assessment.status == Assessment.Status.DRAFT:
        assessment.start_scoring()
        _store_totals(assessment)
        _by(assessment, acting_user, _("开始评分"))
        assessment.save()
    else:
        # The running totals are audited too: the assessment's history shows how its result moved.
        _store_totals(assessment)
        _by(assessment, acting_user, reason or _("评分"))
        assessment.save(update_fields=["basic_total", "target_total", "final_score"])
    score.assessment = assessment
    return score


@transaction.atomic
def score_attach(score: Score, files: Sequence[UploadedFile], *, acting_user: Any) -> None:
    assessment = _lock_assessment(score.assessment)
    if not rules.may_score(acting_user, assessment, score.item.track):
        raise PermissionDenied
    _require_open_track(assessment, score.item.track)
    attach(score, files, acting_user=acting_user)


def _track_complete(assessment: Assessment, track: str) -> bool:
    scores = assessment.scores.for_track(track)
    return scores.exists() and not scores.filter(points__isnull=True).exists()


@transaction.atomic
def track_submit(
    assessment: Assessment, track: str, *, acting_user: Any, at: datetime.datetime | None = None
) -> Assessment:
    """The scorers declare a track complete; both submitted → awaiting confirmation."""
    assessment = _lock_assessment(assessment)
    if not rules.may_score(acting_user, assessment, track):
        raise PermissionDenied
    assessment.submit_track(track, acting_user, complete=_track_complete(assessment, track), at=at)
    _store_totals(assessment)
    _by(assessment, acting_user, _("提交%(track)s评分") % {"track": Track(track).label})
    assessment.save()
    if assessment.status == Assessment.Status.SUBMITTED:
        delegation = rules.active_delegation(assessment)
        confirmers = (
            list(delegation.delegates.all()) if delegation else list(rules.city_assessors(assessment.year.city_id))
        )
        notify(
            confirmers,
            _("%(agency)s %(year)s年度考核评分已全部提交，待确认")
            % {"agency": assessment.agency, "year": assessment.year.year},
            url=_agency_url(assessment),
        )
    return assessment


@transaction.atomic
def assessment_confirm(
    assessment: Assessment, *, acting_user: Any, version: int | None = None, at: datetime.datetime | None = None
) -> Assessment:
    """确认: compute the final result from the scores, lock it, open the objection window."""
    assessment = _lock_assessment(assessment)
    if not rules.may_confirm(acting_user, assessment):
        raise PermissionDenied
    bump_version(assessment, version)
    _store_totals(assessment)
    assessment.confirm(acting_user, assessment.year.objection_days)
    if at is not None:
        assessment.confirmed_at = at
        assessment.objection_deadline = timezone.localdate(at) + datetime.timedelta(days=assessment.year.objection_days)
    _by(assessment, acting_user, _("确认考核结果"))
    assessment.save()
    notify(
        rules.county_heads(assessment.agency_id),
        _("%(year)s年度双百分考核结果已确认") % {"year": assessment.year.year},
        body=_("最终得分 %(final)s 分。如有异议，请于 %(deadline)s 前提出。")
        % {"final": assessment.final_score, "deadline": assessment.objection_deadline},
        url=_result_url(assessment),
    )
    return assessment


@transaction.atomic
def assessment_reopen(
    assessment: Assessment,
    *,
    acting_user: Any,
    reason: str,
    tracks: Sequence[str] = (Track.BASIC, Track.TARGET),
    version: int | None = None,
) -> Assessment:
    """重新打开: an explicit, reasoned change to a submitted or confirmed result, kept in history."""
    assessment = _lock_assessment(assessment)
    if not rules.may_reopen(acting_user, assessment):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("重新打开须写明理由。"))
    bump_version(assessment, version)
    had_result = assessment.has_result
    assessment.reopen(list(tracks))
    _by(assessment, acting_user, _("重新打开：%(reason)s") % {"reason": reason.strip()})
    assessment.save()
    for filing in assessment.filings.filter(superseded=False):
        filing.superseded = True
        _by(filing, acting_user, _("考核重新打开，备案失效"))
        filing.save()
    labels = "、".join(str(Track(track).label) for track in tracks)
    recipients = _scorers(assessment, tracks)
    if had_result:
        recipients += list(rules.county_heads(assessment.agency_id))
    notify(
        recipients,
        _("%(agency)s %(year)s年度考核已重新打开（%(tracks)s）")
        % {"agency": assessment.agency, "year": assessment.year.year, "tracks": labels},
        body=reason.strip(),
        url=_agency_url(assessment),
    )
    return assessment


def _scorers(assessment: Assessment, tracks: Sequence[str]) -> list[Any]:
    delegation = rules.active_delegation(assessment)
    if delegation is not None:
        return list(delegation.delegates.all())
    users: list[Any] = []
    if Track.BASIC in tracks:
        users += list(rules.city_assessors(assessment.year.city_id))
    if Track.TARGET in tracks and assessment.team_id:
        users += list(
            User.objects.filter(assessment_teams__team_id=assessment.team_id, assessment_teams__removed_at__isnull=True)
        )
    return users


# ---------------------------------------------------------------------------------------------
# Site visits (实地考察)


@transaction.atomic
def site_visit_record(
    assessment: Assessment,
    *,
    acting_user: Any,
    visited_on: datetime.date,
    place: str,
    members: Iterable[Any],
    notes: str,
    files: Sequence[UploadedFile] = (),
) -> SiteVisit:
    assessment = _lock_assessment(assessment)
    if not rules.may_record_visit(acting_user, assessment):
        raise PermissionDenied
    if visited_on > timezone.localdate():
        raise ValidationError(_("考察日期不能晚于今天。"))
    visit = SiteVisit(assessment=assessment, visited_on=visited_on, place=place, notes=notes, recorded_by=acting_user)
    _by(visit, acting_user, _("登记实地考察"))
    visit.save()
    visit.members.set(list(members))
    if files:
        attach(visit, files, acting_user=acting_user)
    return visit


@transaction.atomic
def site_visit_void(visit: SiteVisit, *, acting_user: Any, reason: str) -> SiteVisit:
    visit = SiteVisit.objects.select_for_update(of=("self",)).select_related("assessment").get(pk=visit.pk)
    if not (visit.recorded_by_id == acting_user.pk or rules.may_record_visit(acting_user, visit.assessment)):
        raise PermissionDenied
    if visit.voided_at is not None:
        raise TransitionNotAllowed(_("该记录已作废。"))
    if not reason.strip():
        raise ValidationError(_("作废须写明理由。"))
    visit.voided_at, visit.void_reason = timezone.now(), reason.strip()
    _by(visit, acting_user, _("作废：%(reason)s") % {"reason": reason.strip()})
    visit.save()
    return visit


# ---------------------------------------------------------------------------------------------
# Delegation (授权代为考核) and filing (备案)


@transaction.atomic
def delegation_grant(
    assessment: Assessment, *, acting_user: Any, delegates: Sequence[Any], note: str = ""
) -> Delegation:
    """第四条: for a vertically managed county the bureau authorises the city agency to assess."""
    assessment = _lock_assessment(assessment)
    if not rules.may_delegate(acting_user, assessment):
        raise PermissionDenied
    if rules.active_delegation(assessment) is not None:
        raise TransitionNotAllowed(_("已授权代为考核。"))
    if assessment.status != Assessment.Status.DRAFT or assessment.scores.scored().exists():
        raise TransitionNotAllowed(_("已开始评分的考核不能再授权代为考核。"))
    agency = rules.city_agency(assessment.year.city_id)
    if agency is None:
        raise TransitionNotAllowed(_("未找到市社会保险经办机构。"))
    delegates = list(delegates)
    if not delegates or any(getattr(getattr(u, "person", None), "agency_id", None) != agency.pk for u in delegates):
        raise ValidationError(_("受托考核人员须为市社会保险经办机构的工作人员。"))
    delegation = Delegation(assessment=assessment, delegate_agency=agency, authorised_by=acting_user, note=note.strip())
    _by(delegation, acting_user, _("授权代为考核"))
    delegation.save()
    delegation.delegates.set(delegates)
    previous_team = assessment.team_id
    if previous_team:
        assessment.team = None
        _by(assessment, acting_user, _("授权代为考核，取消考核小组"))
        assessment.save()
        _revoke_view(
            TeamMember.objects.active().filter(team_id=previous_team).values_list("user_id", flat=True),
            [assessment.agency_id],
        )
    _grant_view([u.pk for u in delegates], [assessment.agency_id])
    assessment._active_delegation = delegation
    notify(
        delegates,
        _("市人社局授权代为考核：%(agency)s %(year)s年度")
        % {"agency": assessment.agency, "year": assessment.year.year},
        body=_("请完成基础管理和目标管理评分，确认后报送市人社局备案。"),
        url=_agency_url(assessment),
    )
    return delegation


@transaction.atomic
def delegation_revoke(delegation: Delegation, *, acting_user: Any, reason: str) -> Delegation:
    assessment = _lock_assessment(delegation.assessment)
    delegation = Delegation.objects.select_for_update(of=("self",)).get(pk=delegation.pk)
    if not rules.is_city_assessor(acting_user, assessment) or rules.is_delegate(acting_user, assessment):
        raise PermissionDenied
    if not delegation.is_active:
        raise TransitionNotAllowed(_("该授权已撤销。"))
    if assessment.status not in (Assessment.Status.DRAFT, Assessment.Status.SCORING):
        raise TransitionNotAllowed(_("受托考核已提交或确认，不能撤销授权；如需更正，请先重新打开。"))
    if not reason.strip():
        raise ValidationError(_("撤销授权须写明理由。"))
    delegation.revoked_at, delegation.revoked_by, delegation.revoke_reason = timezone.now(), acting_user, reason.strip()
    _by(delegation, acting_user, _("撤销授权：%(reason)s") % {"reason": reason.strip()})
    delegation.save()
    delegate_ids = list(delegation.delegates.values_list("pk", flat=True))
    _revoke_view(delegate_ids, [assessment.agency_id])
    notify(
        User.objects.filter(pk__in=delegate_ids),
        _("代为考核授权已撤销：%(agency)s") % {"agency": assessment.agency},
        body=reason.strip(),
        url=_agency_url(assessment),
    )
    return delegation


@transaction.atomic
def filing_submit(assessment: Assessment, *, acting_user: Any, note: str = "") -> Filing:
    """最终考核结果需报送市人力资源和社会保障行政部门备案."""
    assessment = _lock_assessment(assessment)
    if not rules.may_file(acting_user, assessment):
        raise PermissionDenied
    if assessment.status != Assessment.Status.CONFIRMED:
        raise TransitionNotAllowed(_("确认考核结果后才能报送备案。"))
    if assessment.filings.filter(acknowledged_at__isnull=True, superseded=False).exists():
        raise TransitionNotAllowed(_("已报送备案，等待市人社局确认。"))
    filing = Filing(assessment=assessment, final_score=assessment.final_score, filed_by=acting_user, note=note.strip())
    _by(filing, acting_user, _("报送备案"))
    filing.save()
    notify(
        rules.city_assessors(assessment.year.city_id),
        _("受托考核结果报送备案：%(agency)s %(year)s年度")
        % {"agency": assessment.agency, "year": assessment.year.year},
        body=_("最终得分 %(final)s 分。") % {"final": assessment.final_score},
        url=_agency_url(assessment),
    )
    return filing


@transaction.atomic
def filing_acknowledge(filing: Filing, *, acting_user: Any, text: str = "") -> Filing:
    assessment = _lock_assessment(filing.assessment)
    filing = Filing.objects.select_for_update(of=("self",)).get(pk=filing.pk)
    if not rules.may_acknowledge_filing(acting_user, assessment):
        raise PermissionDenied
    if not filing.is_pending:
        raise TransitionNotAllowed(_("该备案已处理。"))
    if filing.final_score != assessment.final_score:
        raise TransitionNotAllowed(_("报送后考核结果已变化，请受托单位重新报送。"))
    filing.acknowledged_by, filing.acknowledged_at, filing.acknowledgement = acting_user, timezone.now(), text.strip()
    _by(filing, acting_user, _("备案"))
    filing.save()
    assessment.mark_filed()
    _by(assessment, acting_user, _("市人社局已备案"))
    assessment.save()
    notify(
        [filing.filed_by],
        _("考核结果已备案：%(agency)s %(year)s年度") % {"agency": assessment.agency, "year": assessment.year.year},
        body=text.strip(),
        url=_agency_url(assessment),
    )
    return filing


# ---------------------------------------------------------------------------------------------
# Objections (异议)


@transaction.atomic
def objection_raise(
    assessment: Assessment,
    *,
    acting_user: Any,
    items: Sequence[CatalogueItem],
    text: str,
    files: Sequence[UploadedFile] = (),
    at: datetime.datetime | None = None,
) -> Objection:
    assessment = _lock_assessment(assessment)
    if not rules.may_raise_objection(acting_user, assessment):
        raise PermissionDenied
    now = at or timezone.now()
    if not assessment.objection_window_open(timezone.localdate(now)):
        raise TransitionNotAllowed(_("不在异议期内，不能提出异议。"))
    if assessment.objections.open().exists():
        raise TransitionNotAllowed(_("已有待答复的异议，请等待答复。"))
    if not text.strip():
        raise ValidationError(_("请写明异议的内容和理由。"))
    if any(item.year_id != assessment.year_id for item in items):
        raise PermissionDenied
    objection = Objection(assessment=assessment, text=text.strip(), raised_by=acting_user, raised_at=now)
    _by(objection, acting_user, _("提出异议"))
    objection.save()
    objection.items.set(items)
    if files:
        attach(objection, files, acting_user=acting_user)
    delegation = rules.active_delegation(assessment)
    answerers = list(delegation.delegates.all()) if delegation else list(rules.city_assessors(assessment.year.city_id))
    notify(
        answerers,
        _("%(agency)s 对%(year)s年度考核结果提出异议") % {"agency": assessment.agency, "year": assessment.year.year},
        body=text.strip(),
        url=reverse("assessment:objection", args=[assessment.year.year, objection.pk]),
    )
    return objection


@transaction.atomic
def objection_answer(
    objection: Objection, *, acting_user: Any, upheld: bool, text: str, version: int | None = None
) -> Objection:
    """The assessor answers; an upheld objection reopens the contested tracks (the change goes through reopening)."""
    assessment = _lock_assessment(objection.assessment)
    objection = Objection.objects.select_for_update(of=("self",)).get(pk=objection.pk)
    if not rules.may_answer_objection(acting_user, assessment):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError(_("请填写答复意见。"))
    bump_version(objection, version)
    objection.answer_with(upheld=upheld, text=text.strip(), by=acting_user)
    _by(objection, acting_user, _("答复异议"))
    objection.save()
    if upheld:
        tracks = sorted({item.track for item in objection.items.all()}) or [Track.BASIC, Track.TARGET]
        _reopen_for_objection(assessment, acting_user, tracks, text.strip())
    notify(
        [objection.raised_by],
        _("异议已答复：%(status)s") % {"status": objection.get_status_display()},
        body=text.strip(),
        url=_result_url(assessment),
    )
    return objection


def _reopen_for_objection(assessment: Assessment, acting_user: Any, tracks: list[str], answer: str) -> None:
    reason = _("异议成立：%(answer)s") % {"answer": answer}
    assessment.reopen(tracks)
    _by(assessment, acting_user, _("重新打开：%(reason)s") % {"reason": reason})
    assessment.save()
    for filing in assessment.filings.filter(superseded=False):
        filing.superseded = True
        _by(filing, acting_user, _("考核重新打开，备案失效"))
        filing.save()
    notify(
        _scorers(assessment, tracks),
        _("%(agency)s %(year)s年度考核因异议成立重新打开")
        % {"agency": assessment.agency, "year": assessment.year.year},
        body=reason,
        url=_agency_url(assessment),
    )


@transaction.atomic
def objection_withdraw(objection: Objection, *, acting_user: Any, version: int | None = None) -> Objection:
    objection = Objection.objects.select_for_update(of=("self",)).select_related("assessment").get(pk=objection.pk)
    if objection.raised_by_id != acting_user.pk or not rules.may_raise_objection(acting_user, objection.assessment):
        raise PermissionDenied
    bump_version(objection, version)
    objection.withdraw()
    _by(objection, acting_user, _("撤回异议"))
    objection.save()
    return objection
