"""Audited actions on complaints and reports (第十六条) and on reconsideration and litigation cases (第十七条).

Each action runs in one transaction, checks the acting user's right, locks the complaint, refuses a
stale version, writes the thread event, the letters and the history in the same transaction, and
notifies the people who must act (mail after commit, through `notify`).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.letters import complainant_label, issue_letter, letter_issuer
from complaints.models import (
    CODE_ALPHABET,
    ClockPause,
    Complaint,
    ComplaintEvent,
    ComplaintLetter,
    ExternalBody,
    ReviewCase,
    local_today,
    new_tracking_code,
    tracking_hash,
)
from supervision.actions.accountability import accountability_record
from supervision.actions.findings import agency_heads, finding_raise
from supervision.attachments import attach
from supervision.models import AccountabilityRecord, Agency, City, Finding, Person
from supervision.notifications import notify
from supervision.permissions import Action, Role, agencies_for, can, has_role
from supervision.workdays import add_working_days, working_days_between
from supervision.workflow import TransitionNotAllowed, bump_version

User = get_user_model()

NUMBER_PREFIX = {Complaint.Kind.REPORT: "JB", Complaint.Kind.COMPLAINT: "TS"}


# -- who may do what ----------------------------------------------------------------------------------


def can_handle(user: Any, complaint: Complaint) -> bool:
    """Handlers within reach, and the head of the unit a complaint is routed to (Action.HANDLE_COMPLAINTS)."""
    return can(user, Action.HANDLE_COMPLAINTS, complaint.unit_id)


def can_triage(user: Any, complaint: Complaint) -> bool:
    """Accepting, routing, transferring, declining, merging, reopening: the complaint handlers' desk."""
    return has_role(user, Role.COMPLAINT_HANDLER) and can_handle(user, complaint)


def units_for(user: Any) -> Any:
    """The units a user may route complaints to: the agencies they may handle complaints for."""
    return agencies_for(user, Action.HANDLE_COMPLAINTS).active().select_related("division")


def handlers_for(complaint: Complaint) -> list[Any]:
    """The complaint handlers who reach the complaint's unit: city-level ones, or the unit's own county's."""
    unit = complaint.unit
    users = User.objects.filter(
        groups__name=Role.COMPLAINT_HANDLER, is_active=True, person__is_active=True, person__agency__city=unit.city_id
    )
    if unit.division_id is not None:
        users = users.filter(
            Q(person__agency__kind__in=Agency.CITY_KINDS) | Q(person__agency__division=unit.division_id)
        )
    else:
        users = users.filter(person__agency__kind__in=Agency.CITY_KINDS)
    return list(users.distinct())


def receiving_unit(city: City) -> Agency:
    """The department that receives complaints: the city HRSS bureau (市人社局)."""
    return Agency.objects.get(city=city, kind=Agency.Kind.CITY_BUREAU)


def _url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def _event(
    complaint: Complaint,
    kind: str,
    actor: Any,
    text: str = "",
    public_text: str = "",
    files: Iterable[UploadedFile] = (),
) -> ComplaintEvent:
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        text=text,
        public_text=public_text,
    )
    files = list(files)
    if files:
        attach(event, files, acting_user=actor)
    return event


def _lockable() -> QuerySet[Complaint]:
    return Complaint.objects.select_for_update(of=("self",)).select_related(
        "unit", "unit__division", "city", "agency", "transferred_to"
    )


def _locked(complaint: Complaint) -> Complaint:
    return _lockable().get(pk=complaint.pk)


def _locked_pair(first: Complaint, second: Complaint) -> tuple[Complaint, Complaint]:
    """Both rows locked in one statement (in primary-key order, so two merges never deadlock)."""
    rows = {row.pk: row for row in _lockable().filter(pk__in=[first.pk, second.pk]).order_by("pk")}
    return rows[first.pk], rows[second.pk]


def _save(complaint: Complaint, reason: str) -> None:
    complaint._change_reason = reason
    complaint.save()


def _end_open_pauses(complaint: Complaint, acting_user: Any, today: datetime.date) -> None:
    for pause in ClockPause.objects.select_for_update().filter(complaint=complaint, ended_on__isnull=True):
        pause.ended_on = max(today, pause.started_on)
        pause.ended_by = acting_user
        pause.save()


# -- intake ------------------------------------------------------------------------------------------


def _new_number(kind: str, day: datetime.date) -> str:
    suffix = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    return f"{NUMBER_PREFIX[kind]}{day:%Y%m%d}-{suffix}"


@transaction.atomic
def complaint_submit(
    *,
    city: City,
    kind: str,
    matter_type: str,
    title: str,
    description: str,
    agency: Agency | None = None,
    occurred_on: datetime.date | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    contact_address: str = "",
    wants_reply: bool = False,
    files: Iterable[UploadedFile] = (),
    acting_user: Any = None,
) -> tuple[Complaint, str]:
    """Store a complaint or report from the public; returns it and its tracking code (shown once, kept hashed)."""
    if agency is not None and agency.city_id != city.pk:
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    unit = receiving_unit(city)
    code = new_tracking_code()
    complaint = Complaint(
        tracking_hash=tracking_hash(code),
        kind=kind,
        city=city,
        agency=agency,
        matter_type=matter_type,
        title=title,
        description=description,
        occurred_on=occurred_on,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        contact_address=contact_address,
        wants_reply=wants_reply,
        consent_at=now,
        received_at=now,
        received_on=today,
        unit=unit,
        accept_due=add_working_days(today, settings.COMPLAINT_ACCEPT_WORKING_DAYS, city),
    )
    complaint._change_reason = _("收到举报投诉")
    for _attempt in range(5):  # the number's random suffix may collide on a busy day: draw again
        complaint.number = _new_number(kind, today)
        try:
            with transaction.atomic():
                complaint.save()
            break
        except IntegrityError:
            if Complaint.objects.filter(number=complaint.number).exists():
                complaint.pk = None
                continue
            raise
    files = list(files)
    if files:
        attach(complaint, files, acting_user=None)
    _event(
        complaint,
        ComplaintEvent.Kind.RECEIVED,
        None,
        public_text=_("已收到您的%(kind)s，受理编号 %(number)s。")
        % {"kind": complaint.get_kind_display(), "number": complaint.number},
    )
    notify(
        handlers_for(complaint),
        _("新%(kind)s待受理：%(title)s") % {"kind": complaint.get_kind_display(), "title": title},
        body=_("编号 %(number)s，请于 %(due)s 前决定是否受理。")
        % {"number": complaint.number, "due": complaint.accept_due},
        url=_url(complaint),
    )
    return complaint, code


# -- triage: within remit (accept and assign) or outside it (written notice and transfer) ---------------


@transaction.atomic
def complaint_accept(
    complaint: Complaint,
    *,
    acting_user: Any,
    unit: Agency,
    working_days: int | None = None,
    note: str = "",
    version: int | None = None,
) -> Complaint:
    """Accept a complaint within remit and assign it to the responsible unit with a reply deadline."""
    complaint = _locked(complaint)
    if not can_triage(acting_user, complaint) or not units_for(acting_user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    bump_version(complaint, version)
    today = local_today()
    days = working_days or settings.COMPLAINT_REPLY_WORKING_DAYS
    complaint.accept(unit, add_working_days(today, days, complaint.city_id), days, today)
    _end_open_pauses(complaint, acting_user, today)
    _save(complaint, _("受理并交办"))
    _event(
        complaint,
        ComplaintEvent.Kind.ACCEPTED,
        acting_user,
        text=note,
        public_text=_("已受理，交由 %(unit)s 办理，答复期限 %(due)s。")
        % {"unit": unit.name, "due": complaint.reply_due},
    )
    issuer = letter_issuer(complaint)
    issue_letter(
        complaint,
        ComplaintLetter.Kind.ACCEPTANCE_NOTICE,
        acting_user=acting_user,
        addressee=complainant_label(complaint),
        issuer=issuer,
        issued_on=today,
    )
    issue_letter(
        complaint,
        ComplaintLetter.Kind.ASSIGNMENT,
        acting_user=acting_user,
        addressee=unit.name,
        issuer=issuer,
        issued_on=today,
        note=note,
    )
    notify(
        agency_heads(unit.pk),
        _("交办%(kind)s：%(title)s") % {"kind": complaint.get_kind_display(), "title": complaint.title},
        body=_("编号 %(number)s，请于 %(due)s 前办理并答复。")
        % {"number": complaint.number, "due": complaint.reply_due},
        url=_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_reassign(
    complaint: Complaint, *, acting_user: Any, unit: Agency, reason: str, version: int | None = None
) -> Complaint:
    complaint = _locked(complaint)
    if not can_triage(acting_user, complaint) or not units_for(acting_user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    bump_version(complaint, version)
    previous = complaint.unit
    complaint.reassign(unit)
    _save(complaint, reason)
    _event(
        complaint,
        ComplaintEvent.Kind.REASSIGNED,
        acting_user,
        text=_("原承办单位：%(unit)s。%(reason)s") % {"unit": previous.name, "reason": reason},
        public_text=_("改由 %(unit)s 办理。") % {"unit": unit.name},
    )
    issue_letter(
        complaint,
        ComplaintLetter.Kind.ASSIGNMENT,
        acting_user=acting_user,
        addressee=unit.name,
        issued_on=local_today(),
        note=reason,
    )
    notify(
        agency_heads(unit.pk),
        _("交办%(kind)s：%(title)s") % {"kind": complaint.get_kind_display(), "title": complaint.title},
        body=_("编号 %(number)s，请于 %(due)s 前办理并答复。")
        % {"number": complaint.number, "due": complaint.reply_due},
        url=_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_transfer(
    complaint: Complaint, *, acting_user: Any, body: ExternalBody, reason: str, version: int | None = None
) -> Complaint:
    """第十六条: outside the remit, notify the complainant in writing and transfer to the competent body."""
    complaint = _locked(complaint)
    if not can_triage(acting_user, complaint):
        raise PermissionDenied
    if not body.is_active or (body.city_id is not None and body.city_id != complaint.city_id):
        raise PermissionDenied
    bump_version(complaint, version)
    today = local_today()
    complaint.transfer(body, reason, today)
    _end_open_pauses(complaint, acting_user, today)
    _save(complaint, _("书面通知并移交"))
    _event(
        complaint,
        ComplaintEvent.Kind.TRANSFERRED,
        acting_user,
        text=reason,
        public_text=_("不属于本部门职责范围，已书面通知并移交 %(body)s 处理。%(contact)s")
        % {"body": body.name, "contact": _("联系电话：%(phone)s。") % {"phone": body.phone} if body.phone else ""},
    )
    issuer = letter_issuer(complaint)
    issue_letter(
        complaint,
        ComplaintLetter.Kind.TRANSFER_NOTICE,
        acting_user=acting_user,
        addressee=complainant_label(complaint),
        issuer=issuer,
        issued_on=today,
        body=body,
    )
    issue_letter(
        complaint,
        ComplaintLetter.Kind.TRANSFER_LETTER,
        acting_user=acting_user,
        addressee=body.name,
        issuer=issuer,
        issued_on=today,
        body=body,
    )
    return complaint


@transaction.atomic
def complaint_decline(complaint: Complaint, *, acting_user: Any, reason: str, version: int | None = None) -> Complaint:
    complaint = _locked(complaint)
    if not can_triage(acting_user, complaint):
        raise PermissionDenied
    bump_version(complaint, version)
    today = local_today()
    complaint.decline(reason, today)
    _end_open_pauses(complaint, acting_user, today)
    _save(complaint, reason)
    _event(
        complaint,
        ComplaintEvent.Kind.DECLINED,
        acting_user,
        public_text=_("经审查，不予受理。理由：%(reason)s") % {"reason": reason},
    )
    return complaint


@transaction.atomic
def complaint_merge(
    complaint: Complaint, *, acting_user: Any, master: Complaint, reason: str = "", version: int | None = None
) -> Complaint:
    """Merge a duplicate into the complaint that goes on: its complainant follows the master's progress."""
    complaint, master = _locked_pair(complaint, master)
    if not can_triage(acting_user, complaint) or not can_handle(acting_user, master):
        raise PermissionDenied
    if master.city_id != complaint.city_id:
        raise PermissionDenied
    bump_version(complaint, version)
    today = local_today()
    complaint.merge_into(master, today)
    _end_open_pauses(complaint, acting_user, today)
    _save(complaint, _("合并至 %(number)s") % {"number": master.number})
    _event(
        complaint,
        ComplaintEvent.Kind.MERGED,
        acting_user,
        text=reason,
        public_text=_("与反映同一事项的举报投诉（编号 %(number)s）合并办理。") % {"number": master.number},
    )
    _event(
        master,
        ComplaintEvent.Kind.MERGED,
        acting_user,
        text=_("并入重复件 %(number)s。%(reason)s") % {"number": complaint.number, "reason": reason},
    )
    return complaint


# -- handling ----------------------------------------------------------------------------------------


@transaction.atomic
def complaint_note(
    complaint: Complaint, *, acting_user: Any, text: str, files: Iterable[UploadedFile] = ()
) -> ComplaintEvent:
    """An internal investigation note (调查核实记录), never shown to the complainant."""
    complaint = _locked(complaint)
    if not can_handle(acting_user, complaint):
        raise PermissionDenied
    if complaint.status not in (*Complaint.OPEN_STATUSES, Complaint.Status.REPLIED):
        raise TransitionNotAllowed(_("该举报投诉已结束办理，不能再添加调查记录。"))
    return _event(complaint, ComplaintEvent.Kind.NOTE, acting_user, text=text, files=files)


@transaction.atomic
def complaint_pause(complaint: Complaint, *, acting_user: Any, reason: str, version: int | None = None) -> ClockPause:
    """Pause the running clock with a reason (e.g. waiting for the complainant's materials)."""
    complaint = _locked(complaint)
    if not can_handle(acting_user, complaint):
        raise PermissionDenied
    clock = complaint.running_clock
    if clock is None:
        raise TransitionNotAllowed(_("只有待受理或办理中的举报投诉可以暂停计时。"))
    if ClockPause.objects.filter(complaint=complaint, clock=clock, ended_on__isnull=True).exists():
        raise TransitionNotAllowed(_("计时已经暂停。"))
    bump_version(complaint, version)
    pause = ClockPause.objects.create(
        complaint=complaint, clock=clock, started_on=local_today(), reason=reason, started_by=acting_user
    )
    _save(complaint, _("暂停计时：%(reason)s") % {"reason": reason})
    _event(
        complaint,
        ComplaintEvent.Kind.PAUSED,
        acting_user,
        public_text=_("%(clock)s暂停计算：%(reason)s") % {"clock": pause.get_clock_display(), "reason": reason},
    )
    return pause


@transaction.atomic
def complaint_resume(complaint: Complaint, *, acting_user: Any, version: int | None = None) -> ClockPause:
    """Resume the paused clock: its deadline moves by the working days the pause lasted."""
    complaint = _locked(complaint)
    if not can_handle(acting_user, complaint):
        raise PermissionDenied
    clock = complaint.running_clock
    pause = (
        ClockPause.objects.select_for_update().filter(complaint=complaint, clock=clock, ended_on__isnull=True).first()
    )
    if clock is None or pause is None:
        raise TransitionNotAllowed(_("计时没有暂停。"))
    bump_version(complaint, version)
    today = local_today()
    days = max(working_days_between(pause.started_on, today, complaint.city_id), 0)
    pause.ended_on, pause.ended_by, pause.working_days = today, acting_user, days
    pause.save()
    if clock == ClockPause.Clock.ACCEPT:
        complaint.accept_due = (
            add_working_days(complaint.accept_due, days, complaint.city_id) if days else complaint.accept_due
        )
        complaint.accept_overdue_since = None
        due = complaint.accept_due
    else:
        complaint.reply_due = (
            add_working_days(complaint.reply_due, days, complaint.city_id) if days else complaint.reply_due
        )
        complaint.reply_overdue_since = None
        due = complaint.reply_due
    _save(complaint, _("恢复计时"))
    _event(
        complaint,
        ComplaintEvent.Kind.RESUMED,
        acting_user,
        public_text=_("恢复计时，%(clock)s顺延 %(days)s 个工作日至 %(due)s。")
        % {"clock": pause.get_clock_display(), "days": days, "due": due},
    )
    return pause


@transaction.atomic
def complaint_reply(
    complaint: Complaint, *, acting_user: Any, text: str, substantiation: str, version: int | None = None
) -> Complaint:
    """Answer the complainant (public) and record whether the matter was substantiated (internal)."""
    complaint = _locked(complaint)
    if not can_handle(acting_user, complaint):
        raise PermissionDenied
    bump_version(complaint, version)
    today = local_today()
    complaint.answer(text, substantiation, today)
    _end_open_pauses(complaint, acting_user, today)
    _save(complaint, _("答复反映人"))
    _event(complaint, ComplaintEvent.Kind.REPLIED, acting_user, public_text=_("已答复，答复意见见下。"))
    issue_letter(
        complaint,
        ComplaintLetter.Kind.REPLY,
        acting_user=acting_user,
        addressee=complainant_label(complaint),
        issued_on=today,
    )
    notify(
        [user for user in handlers_for(complaint) if user.pk != acting_user.pk],
        _("已答复：%(title)s") % {"title": complaint.title},
        body=_("%(unit)s 已答复编号 %(number)s，请审核办结。") % {"unit": complaint.unit, "number": complaint.number},
        url=_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_close(complaint: Complaint, *, acting_user: Any, note: str = "", version: int | None = None) -> Complaint:
    complaint = _locked(complaint)
    if not can_handle(acting_user, complaint):
        raise PermissionDenied
    bump_version(complaint, version)
    complaint.close(local_today())
    _save(complaint, _("办结"))
    _event(complaint, ComplaintEvent.Kind.CLOSED, acting_user, text=note, public_text=_("已办结。"))
    return complaint


@transaction.atomic
def complaint_reopen(
    complaint: Complaint, *, acting_user: Any, reason: str, working_days: int | None = None, version: int | None = None
) -> Complaint:
    complaint = _locked(complaint)
    if not can_triage(acting_user, complaint):
        raise PermissionDenied
    bump_version(complaint, version)
    days = working_days or settings.COMPLAINT_REPLY_WORKING_DAYS
    complaint.reopen(add_working_days(local_today(), days, complaint.city_id), days)
    _save(complaint, reason)
    _event(
        complaint,
        ComplaintEvent.Kind.REOPENED,
        acting_user,
        text=reason,
        public_text=_("重新办理，由 %(unit)s 办理，答复期限 %(due)s。")
        % {"unit": complaint.unit.name, "due": complaint.reply_due},
    )
    notify(
        agency_heads(complaint.unit_id),
        _("重新办理：%(title)s") % {"title": complaint.title},
        body=reason,
        url=_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_rate(
    complaint: Complaint,
    *,
    satisfaction: str,
    comment: str = "",
    acting_user: Any = None,
    version: int | None = None,
) -> Complaint:
    """The complainant's satisfaction: given once through the tracking page, or recorded by a handler (e.g. by phone).

    A handler's form carries the version they saw: a rating recorded meanwhile (by a colleague or by
    the complainant) is never silently replaced.
    """
    complaint = _locked(complaint)
    by_staff = getattr(acting_user, "is_authenticated", False)
    if by_staff and not can_handle(acting_user, complaint):
        raise PermissionDenied
    if not by_staff and complaint.satisfaction:
        raise TransitionNotAllowed(_("已经评价过了，谢谢。"))
    bump_version(complaint, version if by_staff else None)
    complaint.rate(satisfaction, comment)
    _save(complaint, _("满意度评价"))
    label = Complaint.Satisfaction(satisfaction).label
    _event(
        complaint,
        ComplaintEvent.Kind.SATISFACTION,
        acting_user,
        text=comment,
        public_text=_("反映人评价：%(label)s") % {"label": label},
    )
    if satisfaction == Complaint.Satisfaction.DISSATISFIED:
        notify(
            handlers_for(complaint),
            _("反映人不满意：%(title)s") % {"title": complaint.title},
            body=comment,
            url=_url(complaint),
        )
    return complaint


# -- consequences: a finding (整改) and accountability (责任追究) -------------------------------------------


def findings_from(complaint: Complaint) -> Any:
    return Finding.objects.filter(source_type=ContentType.objects.get_for_model(Complaint), source_id=complaint.pk)


def finding_agency(complaint: Complaint) -> Agency | None:
    """The county unit the problem is found at: the agency complained about, else the unit that handled it."""
    if complaint.agency_id is not None:
        return complaint.agency
    return complaint.unit if complaint.unit.kind in Agency.COUNTY_KINDS else None


@transaction.atomic
def complaint_raise_finding(
    complaint: Complaint,
    *,
    acting_user: Any,
    article: str = "第十六条",
    severity: str = Finding.Severity.MINOR,
    working_days: int = 20,
) -> Finding:
    """One click: a substantiated complaint becomes a finding with a rectification demand; once only."""
    complaint = _locked(complaint)
    if not can_triage(acting_user, complaint):
        raise PermissionDenied
    existing = findings_from(complaint).first()
    if existing is not None:
        return existing
    agency = finding_agency(complaint)
    if not complaint.is_substantiated or agency is None:
        raise TransitionNotAllowed(_("只有查实（或部分查实）且明确被反映单位的举报投诉可以登记问题。"))
    finding = finding_raise(
        acting_user=acting_user,
        agency=agency,
        article=article,
        severity=severity,
        title=complaint.title,
        description=f"{complaint.description}\n\n{_('办理结果')}：{complaint.reply}",
        suggestion=_("请针对举报投诉反映并经查实的问题整改，并附整改材料。"),
        deadline=add_working_days(local_today(), working_days, complaint.city_id),
        source=Finding.Source.COMPLAINT,
        source_record=complaint,
        source_label=_("举报投诉 %(number)s") % {"number": complaint.number},
    )
    _event(
        complaint, ComplaintEvent.Kind.FINDING, acting_user, text=_("已登记问题：%(title)s") % {"title": finding.title}
    )
    return finding


def complaint_accountability(
    complaint: Complaint,
    *,
    acting_user: Any,
    agency: Agency,
    breach: str,
    decision: str,
    consequence: str,
    decided_by: str,
    decided_on: datetime.date,
    person: Person | None = None,
) -> AccountabilityRecord:
    """责任追究 arising from a complaint: the shared restricted record, linked to the complaint."""
    if not can_handle(acting_user, complaint):
        raise PermissionDenied
    return accountability_record(
        acting_user=acting_user,
        agency=agency,
        person=person,
        breach=breach,
        decision=decision,
        consequence=consequence,
        decided_by=decided_by,
        decided_on=decided_on,
        source_record=complaint,
        source_label=_("举报投诉 %(number)s") % {"number": complaint.number},
    )


# -- the daily sweep ---------------------------------------------------------------------------------------


def mark_overdue_complaints(today: datetime.date | None = None) -> int:
    """Mark complaints past their acceptance or reply deadline and notify once per deadline.

    A clock that is paused is never overdue; a new deadline (resume, reopen) clears the mark, so the
    sweep run twice notifies once.
    """
    today = today or local_today()
    marked = 0
    accept = Complaint.objects.accept_overdue(today).filter(accept_overdue_since__isnull=True)
    for pk in accept.values_list("pk", flat=True):
        marked += _mark_one(pk, ClockPause.Clock.ACCEPT, today)
    reply = Complaint.objects.reply_overdue(today).filter(reply_overdue_since__isnull=True)
    for pk in reply.values_list("pk", flat=True):
        marked += _mark_one(pk, ClockPause.Clock.REPLY, today)
    return marked


@transaction.atomic
def _mark_one(pk: int, clock: str, today: datetime.date) -> int:
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("unit", "city")
        .prefetch_related("pauses")
        .filter(pk=pk)
        .first()
    )
    if complaint is None or complaint.running_clock != clock or not complaint.overdue_on(today):
        return 0
    if clock == ClockPause.Clock.ACCEPT:
        if complaint.accept_overdue_since:
            return 0
        complaint.accept_overdue_since, due, field = today, complaint.accept_due, "accept_overdue_since"
        recipients = handlers_for(complaint)
    else:
        if complaint.reply_overdue_since:
            return 0
        complaint.reply_overdue_since, due, field = today, complaint.reply_due, "reply_overdue_since"
        recipients = [*agency_heads(complaint.unit_id), *handlers_for(complaint)]
    label = ClockPause.Clock(clock).label
    complaint._change_reason = _("%(clock)s已过") % {"clock": label}
    complaint.save(update_fields=[field])
    _event(
        complaint, ComplaintEvent.Kind.OVERDUE, None, text=_("%(clock)s %(due)s 已过。") % {"clock": label, "due": due}
    )
    notify(
        recipients,
        _("举报投诉逾期：%(title)s") % {"title": complaint.title},
        body=_("编号 %(number)s 的%(clock)s %(due)s 已过（承办单位：%(unit)s）。")
        % {"number": complaint.number, "clock": label, "due": due, "unit": complaint.unit},
        url=_url(complaint),
        key=f"complaint-overdue-{complaint.pk}-{clock}-{due.isoformat()}",
    )
    return 1


# -- reconsideration and litigation (第十七条) -------------------------------------------------------------


def can_record_cases(user: Any, agency: Agency | int) -> bool:
    return can(user, Action.HANDLE_COMPLAINTS, agency)


@transaction.atomic
def review_case_record(*, acting_user: Any, agency: Agency, **fields: Any) -> ReviewCase:
    if not can_record_cases(acting_user, agency):
        raise PermissionDenied
    complaint = fields.get("complaint")
    if complaint is not None and not can_handle(acting_user, complaint):
        raise PermissionDenied
    case = ReviewCase(agency=agency, recorded_by=acting_user, **fields)
    case._change_reason = _("登记案件")
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def review_case_update(case: ReviewCase, *, acting_user: Any, version: int | None = None, **fields: Any) -> ReviewCase:
    case = ReviewCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not can_record_cases(acting_user, case.agency_id):
        raise PermissionDenied
    agency = fields.get("agency")
    if agency is not None and not can_record_cases(acting_user, agency):
        raise PermissionDenied
    complaint = fields.get("complaint")
    if complaint is not None and complaint.pk != case.complaint_id and not can_handle(acting_user, complaint):
        raise PermissionDenied
    bump_version(case, version)
    for name, value in fields.items():
        setattr(case, name, value)
    case._change_reason = _("更新案件")
    case.full_clean()
    case.save()
    return case
