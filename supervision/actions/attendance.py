"""Audited actions of work style and attendance (第五条): sign-in, leave, filing, return, visits.

Each action runs in one transaction, checks the acting user's right, locks what it changes,
refuses a stale version, writes the approval trail and the history in the same transaction, and
notifies the people who must act (mail after commit, through `notify`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from supervision.attachments import attach
from supervision.attendance import agencies_presided_by, presiding_person, visit_rows
from supervision.models import (
    Agency,
    AttendancePolicy,
    DisciplineVisit,
    Finding,
    Leave,
    LeaveEvent,
    LeaveFiling,
    LeaveKind,
    Person,
    SignIn,
    VisitObservation,
)
from supervision.models.attendance import Half, slot, slot_start
from supervision.notifications import notify
from supervision.permissions import Action, Role, can, person_of
from supervision.workdays import add_working_days, calendar_for
from supervision.workflow import TransitionNotAllowed, bump_version

User = get_user_model()

# Staff may report a leave after the fact (a sudden illness), but not a month after.
MAX_DAYS_BACKDATED = 30
MAX_LEAVE_DAYS = 366


# Sign-in.


@transaction.atomic
def sign_in(*, acting_user: Any, ip_address: str | None = None, user_agent: str = "") -> tuple[SignIn, bool]:
    """Sign the user in for today; a second click the same day changes nothing and says so."""
    person = person_of(acting_user)
    if person is None:
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    existing = SignIn.objects.filter(person=person, date=today).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = SignIn.objects.create(
                person=person,
                agency_id=person.agency_id,
                date=today,
                signed_at=now,
                ip_address=ip_address or None,
                user_agent=(user_agent or "")[:300],
            )
    except IntegrityError:  # a double click raced the first one
        return SignIn.objects.get(person=person, date=today), False
    return record, True


# Who may do what with a leave.


def visible_leaves(user: Any) -> Any:
    """Own requests, the agencies the user oversees (or presides over), and what the user decided."""
    from django.db.models import Q

    from supervision.permissions import agencies_for, is_system_admin

    leaves = Leave.objects.with_list_relations()
    if is_system_admin(user):
        return leaves
    condition = Q(person__user=user) | Q(decided_by=user) | Q(acting_person__user=user)
    condition |= Q(agency__in=agencies_for(user, Action.OVERSEE_ATTENDANCE))
    return leaves.filter(condition)


def can_decide_leave(user: Any, leave: Leave) -> bool:
    """A head's leave: the city agency's main leader. Staff: whoever presides over the agency now."""
    if not getattr(user, "is_authenticated", False) or leave.person.user_id == user.pk:
        return False
    if leave.approval_level == Leave.Level.CITY:
        return can(user, Action.APPROVE_HEAD_LEAVE, leave.agency_id)
    presiding = presiding_person(leave.agency_id)
    return presiding is not None and presiding.user_id == user.pk


def can_record_return(user: Any, leave: Leave) -> bool:
    """销假: the person, or for staff the one presiding over the agency (when the person cannot)."""
    if leave.person.user_id == getattr(user, "pk", None):
        return True
    return leave.approval_level == Leave.Level.AGENCY and can_decide_leave(user, leave)


def section_of(user: Any) -> str | None:
    """Which filing section (办公室 or 人事科) a city agency office user acknowledges for."""
    person = person_of(user)
    # Where the person works first: it is known already, the roles may cost a query.
    if person is None or person.agency.kind != Agency.Kind.CITY_AGENCY:
        return None
    if Role.CITY_AGENCY_OFFICE not in _roles(user):
        return None
    if person.position == Person.Position.PERSONNEL:
        return LeaveFiling.Section.PERSONNEL
    return LeaveFiling.Section.OFFICE


def _roles(user: Any) -> frozenset[str]:
    from supervision.permissions import roles_of

    return roles_of(user)


def can_acknowledge(user: Any, filing: LeaveFiling) -> bool:
    return section_of(user) == filing.section and can(user, Action.OVERSEE_ATTENDANCE, filing.leave.agency_id)


def leaves_awaiting(user: Any) -> Any:
    """Requests waiting for this user's decision: heads' for the city leader, staff's for whoever presides."""
    from django.db.models import Q

    from supervision.permissions import agencies_for

    pending = Leave.objects.pending().with_list_relations().exclude(person__user=user)
    city = Q(approval_level=Leave.Level.CITY, agency__in=agencies_for(user, Action.APPROVE_HEAD_LEAVE))
    agency = Q(approval_level=Leave.Level.AGENCY, agency__in=agencies_presided_by(user.pk))
    return pending.filter(city | agency)


# Recipients.


def _city_agency_users(agency: Agency, role: str, positions: Iterable[str] | None = None) -> list[Any]:
    users = User.objects.filter(
        is_active=True,
        groups__name=role,
        person__is_active=True,
        person__agency__city_id=agency.city_id,
        person__agency__kind=Agency.Kind.CITY_AGENCY,
    )
    if positions is not None:
        users = users.filter(person__position__in=list(positions))
    return list(users.distinct())


def city_leaders(agency: Agency) -> list[Any]:
    return _city_agency_users(agency, Role.CITY_AGENCY_LEADER)


def filing_sections(agency: Agency) -> list[Any]:
    return _city_agency_users(agency, Role.CITY_AGENCY_OFFICE)


def _approvers(leave: Leave) -> list[Any]:
    if leave.approval_level == Leave.Level.CITY:
        return city_leaders(leave.agency)
    presiding = presiding_person(leave.agency_id)
    return [presiding.user] if presiding is not None and presiding.user_id else []


def _user_of(person: Person | None) -> list[Any]:
    return [person.user] if person is not None and person.user_id else []


def _url(leave: Leave) -> str:
    return reverse("attendance:leave_detail", args=[leave.pk])


def _event(leave: Leave, kind: str, actor: Any, text: str = "", at: datetime.datetime | None = None) -> LeaveEvent:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return LeaveEvent.objects.create(leave=leave, kind=kind, actor=actor, text=text, created_at=at or timezone.now())


def _locked(leave: Leave) -> Leave:
    return (
        Leave.objects.select_for_update(of=("self",))
        .select_related("person", "person__user", "agency", "kind", "acting_person", "acting_person__user")
        .get(pk=leave.pk)
    )


# Submitting.


@dataclass(frozen=True)
class LeaveRequest:
    kind: LeaveKind
    start_date: datetime.date
    start_half: str
    end_date: datetime.date
    end_half: str
    reason: str
    contact: str
    destination: str = ""
    acting_person: Person | None = None


def count_working_days(agency: Agency, start: int, end: int) -> Decimal:
    """Working half-days from slot `start` to slot `end`, in days (0.5 precision)."""
    first, last = datetime.date.fromordinal(start // 2), datetime.date.fromordinal(end // 2)
    calendar = calendar_for(agency.city_id, first, last)
    halves = sum(1 for value in range(start, end + 1) if calendar.is_working_day(datetime.date.fromordinal(value // 2)))
    return Decimal(halves) / 2


def _refuse(field: str | None, message: str) -> None:
    raise ValidationError({field: [message]} if field else message)


def _overlapping(person: Person, start: int, end: int, exclude: int | None = None) -> Leave | None:
    first, last = datetime.date.fromordinal(start // 2), datetime.date.fromordinal(end // 2)
    candidates = Leave.objects.filter(person=person, status__in=Leave.OPEN).touching(first, last)
    if exclude:
        candidates = candidates.exclude(pk=exclude)
    return next((leave for leave in candidates if leave.overlaps(start, end)), None)


def _presiding_elsewhere(person: Person, start: int, end: int) -> Leave | None:
    """A head's leave (pending or granted) during which this person is named to preside."""
    first, last = datetime.date.fromordinal(start // 2), datetime.date.fromordinal(end // 2)
    named = Leave.objects.filter(acting_person=person, status__in=Leave.OPEN).touching(first, last)
    return next((leave for leave in named.select_related("person") if leave.overlaps(start, end)), None)


def validate_request(person: Person, request: LeaveRequest, *, now: datetime.datetime | None = None) -> None:
    """Refuse what 第五条 and common sense refuse, each with a message naming the field."""
    now = now or timezone.now()
    start, end = slot(request.start_date, request.start_half), slot(request.end_date, request.end_half)
    if end < start:
        _refuse("end_date", _("结束时间不能早于开始时间。"))
    if request.end_date - request.start_date > datetime.timedelta(days=MAX_LEAVE_DAYS):
        _refuse("end_date", _("一次请假不能超过一年。"))
    if not request.kind.is_active:
        _refuse("kind", _("该请假类别已停用。"))
    is_head = person.position == Person.Position.HEAD
    if is_head:
        # 第五条: 主要负责同志外出或因事请假需提前履行请假手续.
        policy = AttendancePolicy.for_city(person.agency.city_id)
        notice = datetime.timedelta(hours=policy.head_notice_hours)
        if slot_start(start) < now + notice:
            _refuse(
                "start_date",
                _("主要负责同志外出或因事请假需提前履行请假手续：开始时间须在提交后至少 %(hours)s 小时。")
                % {"hours": policy.head_notice_hours},
            )
        _validate_acting_person(person, request.acting_person, start, end)
    else:
        if request.acting_person is not None:
            _refuse("acting_person", _("只有主要负责同志请假需确定主持工作的同志。"))
        earliest = timezone.localdate(now) - datetime.timedelta(days=MAX_DAYS_BACKDATED)
        if request.start_date < earliest:
            _refuse("start_date", _("补办请假的开始日期不能早于 %(day)s。") % {"day": earliest})
    clash = _overlapping(person, start, end)
    if clash is not None:
        _refuse(
            None,
            _("与已有的请假（%(period)s，%(status)s）时间重叠，不能重复申请。")
            % {"period": clash.period_display, "status": clash.get_status_display()},
        )
    presiding = _presiding_elsewhere(person, start, end)
    if presiding is not None:
        _refuse(
            None,
            _("您已被确定在 %(name)s 请假期间（%(period)s）主持工作，该期间不能请假。")
            % {"name": presiding.person.name, "period": presiding.period_display},
        )


def _validate_acting_person(head: Person, acting: Person | None, start: int, end: int) -> None:
    # 第五条: 外出期间，需确定1名负责同志主持工作.
    if acting is None:
        _refuse("acting_person", _("主要负责同志请假须确定1名负责同志主持工作。"))
    if acting.pk == head.pk:
        _refuse("acting_person", _("主持工作的同志不能是请假人本人。"))
    if acting.agency_id != head.agency_id or not acting.is_active:
        _refuse("acting_person", _("主持工作的同志须为本单位在岗人员。"))
    if acting.user_id is None or not acting.user.is_active:
        _refuse("acting_person", _("主持工作的同志须有平台账号，以便在您外出期间审批本单位的请假。"))
    away = _overlapping(acting, start, end)
    if away is not None:
        _refuse(
            "acting_person",
            _("%(name)s 在该期间也请假或外出（%(period)s），不能主持工作。")
            % {"name": acting.name, "period": away.period_display},
        )
    other = _presiding_elsewhere(acting, start, end)
    if other is not None:
        _refuse("acting_person", _("%(name)s 在该期间已被确定主持其他请假期间的工作。") % {"name": acting.name})


@transaction.atomic
def leave_submit(*, acting_user: Any, request: LeaveRequest, submitted_at: datetime.datetime | None = None) -> Leave:
    """File a leave or going-out request for oneself; routed to whoever must approve it.

    `submitted_at` records a paper 请销假报告单 handed in earlier (and builds the demo); the rules
    are checked against that moment.
    """
    submitted_at = submitted_at or timezone.now()
    person = person_of(acting_user)
    if person is None:
        raise PermissionDenied
    # Serialise one person's requests, so two tabs cannot file overlapping leaves at once.
    person = Person.objects.select_for_update(of=("self",)).select_related("agency", "user").get(pk=person.pk)
    validate_request(person, request, now=submitted_at)
    start, end = slot(request.start_date, request.start_half), slot(request.end_date, request.end_half)
    is_head = person.position == Person.Position.HEAD
    presiding = None if is_head else presiding_person(person.agency_id, submitted_at)
    city_level = is_head or presiding is None or presiding.pk == person.pk or not presiding.user_id
    leave = Leave(
        person=person,
        agency_id=person.agency_id,
        kind=request.kind,
        start_date=request.start_date,
        start_half=request.start_half,
        end_date=request.end_date,
        end_half=request.end_half,
        working_days=count_working_days(person.agency, start, end),
        reason=request.reason,
        destination=request.destination,
        contact=request.contact,
        is_head_leave=is_head,
        approval_level=Leave.Level.CITY if city_level else Leave.Level.AGENCY,
        acting_person=request.acting_person if is_head else None,
        submitted_by=acting_user,
        submitted_at=submitted_at,
    )
    leave._change_reason = _("提交申请")
    leave.save()
    _event(leave, LeaveEvent.Kind.SUBMITTED, acting_user, request.reason, at=submitted_at)
    title = _("请假待审批：%(name)s %(kind)s") % {"name": person.name, "kind": request.kind}
    notify(_approvers(leave), title, body=leave.period_display, url=_url(leave))
    if leave.acting_person_id:
        notify(
            _user_of(leave.acting_person),
            _("%(name)s 请假期间拟由您主持工作") % {"name": person.name},
            body=_("%(period)s，待市社会保险经办机构主要领导批准。") % {"period": leave.period_display},
            url=_url(leave),
        )
    return leave


def due_back(leave: Leave) -> datetime.date:
    """The day the person must be back: the afternoon of the last day, or the next working day."""
    if leave.end_half == Half.AM:
        return leave.end_date
    return add_working_days(leave.end_date, 1, leave.agency.city_id)


@transaction.atomic
def leave_approve(leave: Leave, *, acting_user: Any, note: str = "", version: int | None = None) -> Leave:
    leave = _locked(leave)
    if not can_decide_leave(acting_user, leave):
        raise PermissionDenied
    bump_version(leave, version)
    leave.approve(by=acting_user, note=note, due_back_on=due_back(leave))
    leave._change_reason = _("批准")
    leave.save()
    _event(leave, LeaveEvent.Kind.APPROVED, acting_user, note)
    notify(
        _user_of(leave.person),
        _("请假已批准：%(kind)s %(period)s") % {"kind": leave.kind, "period": leave.period_display},
        body=note,
        url=_url(leave),
    )
    if leave.is_head_leave:
        # 第五条: 报送市社会保险经办机构办公室、人事科备案.
        for section in LeaveFiling.Section.values:
            LeaveFiling.objects.create(leave=leave, section=section)
        notify(
            filing_sections(leave.agency),
            _("请假备案：%(agency)s %(name)s") % {"agency": leave.agency, "name": leave.person.name},
            body=_("%(period)s，主持工作：%(acting)s。请确认备案。")
            % {"period": leave.period_display, "acting": leave.acting_person},
            url=_url(leave),
        )
        notify(
            _user_of(leave.acting_person),
            _("请您在 %(name)s 请假期间主持工作") % {"name": leave.person.name},
            body=_("%(period)s。期间本单位人员的请假由您审批，直至其销假。") % {"period": leave.period_display},
            url=_url(leave),
        )
    return leave


@transaction.atomic
def leave_reject(leave: Leave, *, acting_user: Any, reason: str, version: int | None = None) -> Leave:
    leave = _locked(leave)
    if not can_decide_leave(acting_user, leave):
        raise PermissionDenied
    bump_version(leave, version)
    leave.reject(by=acting_user, reason=reason)
    leave._change_reason = reason
    leave.save()
    _event(leave, LeaveEvent.Kind.REJECTED, acting_user, reason)
    notify(
        _user_of(leave.person) + _user_of(leave.acting_person),
        _("请假未获批准：%(kind)s %(period)s") % {"kind": leave.kind, "period": leave.period_display},
        body=reason,
        url=_url(leave),
    )
    return leave


@transaction.atomic
def leave_withdraw(leave: Leave, *, acting_user: Any, reason: str = "", version: int | None = None) -> Leave:
    leave = _locked(leave)
    if leave.person.user_id != acting_user.pk:
        raise PermissionDenied
    bump_version(leave, version)
    leave.withdraw()
    leave._change_reason = reason or _("撤回")
    leave.save()
    _event(leave, LeaveEvent.Kind.WITHDRAWN, acting_user, reason)
    notify(
        _approvers(leave) + _user_of(leave.acting_person),
        _("请假申请已撤回：%(name)s") % {"name": leave.person.name},
        body=leave.period_display,
        url=_url(leave),
    )
    return leave


def _file_if_complete(leave: Leave, actor: Any) -> None:
    """Returned, and (for a head) acknowledged by both sections: the leave is filed (归档)."""
    if leave.status != Leave.Status.RETURNED:
        return
    if leave.is_head_leave and leave.filings.filter(acknowledged_at__isnull=True).exists():
        return
    leave.file()
    leave._change_reason = _("归档")
    leave.save()
    _event(leave, LeaveEvent.Kind.FILED, actor)


@transaction.atomic
def leave_return(
    leave: Leave,
    *,
    acting_user: Any,
    returned_at: datetime.datetime | None = None,
    note: str = "",
    version: int | None = None,
) -> Leave:
    """销假 with the actual return time; a return later than approved is flagged."""
    leave = _locked(leave)
    if not can_record_return(acting_user, leave):
        raise PermissionDenied
    bump_version(leave, version)
    leave.record_return(at=returned_at or timezone.now(), note=note)
    leave._change_reason = _("销假")
    leave.save()
    when = f"{timezone.localtime(leave.returned_at):%Y-%m-%d %H:%M}"
    text = _("实际返岗：%(when)s") % {"when": when}
    if leave.returned_late:
        text += _("（晚于批准的期间，应于 %(day)s 销假）") % {"day": leave.due_back_on}
    if note:
        text += f"\n{note}"
    _event(leave, LeaveEvent.Kind.RETURNED, acting_user, text)
    title = _("已销假：%(name)s") % {"name": leave.person.name}
    if leave.returned_late:
        title = _("逾期销假：%(name)s") % {"name": leave.person.name}
    if leave.is_head_leave:
        notify(city_leaders(leave.agency) + filing_sections(leave.agency), title, body=text, url=_url(leave))
        notify(_user_of(leave.acting_person), title, body=_("主持工作至此结束。"), url=_url(leave))
        pending = Leave.objects.pending().filter(agency=leave.agency, approval_level=Leave.Level.AGENCY).count()
        if pending:
            notify(
                _user_of(leave.person),
                _("有 %(count)s 件请假待您审批") % {"count": pending},
                url=reverse("attendance:leave_list") + "?view=approve",
            )
    elif leave.decided_by_id and leave.decided_by_id != acting_user.pk:
        notify([leave.decided_by], title, body=text, url=_url(leave))
    _file_if_complete(leave, acting_user)
    return leave


@transaction.atomic
def filing_acknowledge(filing: LeaveFiling, *, acting_user: Any) -> LeaveFiling:
    """The office or the personnel section confirms it has the head's leave on file (备案)."""
    filing = (
        LeaveFiling.objects.select_for_update(of=("self",))
        .select_related("leave", "leave__agency", "leave__person")
        .get(pk=filing.pk)
    )
    if not can_acknowledge(acting_user, filing):
        raise PermissionDenied
    filing.acknowledge(by=acting_user)
    filing._change_reason = _("备案确认")
    filing.save()
    leave = _locked(filing.leave)
    _event(leave, LeaveEvent.Kind.ACKNOWLEDGED, acting_user, str(filing.get_section_display()))
    _file_if_complete(leave, acting_user)
    return filing


def remind_unreturned(today: datetime.date | None = None) -> int:
    """Beat, daily: remind everyone concerned of a leave past its end with no 销假; once a day per leave."""
    today = today or timezone.localdate()
    sent = 0
    overdue = Leave.objects.overdue_return(today).select_related("person__user", "agency", "kind", "acting_person")
    for leave in overdue:
        recipients = _user_of(leave.person)
        if leave.is_head_leave:
            recipients += filing_sections(leave.agency) + city_leaders(leave.agency)
        elif leave.decided_by_id:
            recipients.append(leave.decided_by)
        created = notify(
            recipients,
            _("逾期未销假：%(name)s") % {"name": leave.person.name},
            body=_("%(kind)s %(period)s，应于 %(day)s 销假，至今未销假。")
            % {"kind": leave.kind, "period": leave.period_display, "day": leave.due_back_on},
            url=_url(leave),
            key=f"leave-unreturned-{leave.pk}-{today.isoformat()}",
        )
        sent += len(created)
    return sent


# Discipline visits (明察暗访、定期检查).


def can_visit(user: Any, agency: Agency | int) -> bool:
    return can(user, Action.VISIT, agency)


@transaction.atomic
def visit_record(
    *,
    acting_user: Any,
    agency: Agency,
    visited_at: datetime.datetime,
    method: str,
    notes: str,
    observations: dict[int, bool],
    files: Iterable[UploadedFile] = (),
) -> DisciplineVisit:
    """Record a visit and who was found at work (person id → present)."""
    if not can_visit(acting_user, agency):
        raise PermissionDenied
    if visited_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"visited_at": [_("检查时间不能晚于现在。")]})
    people = {person.pk: person for person in Person.objects.filter(agency=agency, pk__in=list(observations))}
    if set(observations) - set(people):
        raise PermissionDenied
    visit = DisciplineVisit(agency=agency, visited_at=visited_at, method=method, notes=notes, recorded_by=acting_user)
    visit._change_reason = _("登记检查")
    visit.full_clean()
    visit.save()
    bulk_create_with_history(
        [VisitObservation(visit=visit, person=people[pk], present=present) for pk, present in observations.items()],
        VisitObservation,
        default_user=acting_user,
        default_change_reason=_("登记检查"),
    )
    files = list(files)
    if files:
        attach(visit, files, acting_user=acting_user)
    return visit


@transaction.atomic
def visit_raise_finding(observation: VisitObservation, *, acting_user: Any, deadline: datetime.date) -> Finding:
    """One click: a discrepancy of a visit becomes a Finding (第五条) against the agency."""
    from supervision.actions.findings import finding_raise

    observation = (
        VisitObservation.objects.select_for_update(of=("self",))
        .select_related("visit", "visit__agency", "person")
        .get(pk=observation.pk)
    )
    visit = observation.visit
    if not can_visit(acting_user, visit.agency_id):
        raise PermissionDenied
    if observation.finding_id:
        raise TransitionNotAllowed(_("该情况已转为问题。"))
    rows, _working = visit_rows(visit)
    row = next((row for row in rows if row.observation and row.observation.pk == observation.pk), None)
    if row is None or row.discrepancy is None:
        raise TransitionNotAllowed(_("该人员的检查情况与签到、请假记录一致，无需转为问题。"))
    text = row.discrepancy_label
    name = observation.person.name
    method = visit.get_method_display()
    when = f"{timezone.localtime(visit.visited_at):%Y-%m-%d %H:%M}"
    finding = finding_raise(
        acting_user=acting_user,
        agency=visit.agency,
        article="第五条",
        title=_("%(method)s发现：%(name)s%(text)s") % {"method": method, "name": name, "text": text},
        description=_("%(when)s %(method)s，%(name)s：%(text)s。")
        % {"when": when, "method": method, "name": name, "text": text},
        suggestion=_("请核实情况，严格执行每天签到考勤和请销假、外出报备制度，并报告处理结果。"),
        deadline=deadline,
        severity=Finding.Severity.MINOR,
        source=Finding.Source.DISCIPLINE_VISIT,
        source_record=visit,
        source_label=_("明察暗访 %(when)s") % {"when": when},
        found_on=timezone.localdate(visit.visited_at),
    )
    observation.finding = finding
    observation._change_reason = _("转为问题")
    observation.save(update_fields=["finding"])
    return finding
