"""Audited actions of the ground floor: findings and rectification.

Each action runs in one transaction, checks the acting user's right, locks the row it changes,
refuses a stale version, writes the thread event and the history in the same transaction, and
schedules mail after commit (through `notify`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from supervision.attachments import attach
from supervision.models import Agency, Finding, FindingEvent, Person
from supervision.models.findings import finding_source_fields, local_today
from supervision.notifications import notify
from supervision.permissions import Action, can
from supervision.workflow import audit, bump_version

User = get_user_model()


def can_raise_finding(user: Any, agency: Agency | int) -> bool:
    return can(user, Action.INSPECT, agency)


def can_answer_finding(user: Any, finding: Finding) -> bool:
    """The agency answers: its head (or whoever may act for it)."""
    return can(user, Action.ACT_FOR, finding.agency_id)


def can_verify_finding(user: Any, finding: Finding) -> bool:
    """The finder, or an inspector who reaches the agency."""
    return finding.found_by_id == getattr(user, "pk", None) or can(user, Action.INSPECT, finding.agency_id)


def agency_heads(agency_id: int) -> list[Any]:
    return list(
        User.objects.filter(
            person__agency_id=agency_id, person__position=Person.Position.HEAD, person__is_active=True, is_active=True
        )
    )


def _finding_recipients(finding: Finding, *extra: Any) -> list[Any]:
    recipients = agency_heads(finding.agency_id)
    if finding.responsible and finding.responsible.user_id:
        recipients.append(finding.responsible.user)
    return [*recipients, *extra]


def _event(finding: Finding, kind: str, actor: Any, text: str = "", files: Iterable[UploadedFile] = ()) -> FindingEvent:
    event = FindingEvent.objects.create(
        finding=finding, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None, text=text
    )
    files = list(files)
    if files:
        attach(event, files, acting_user=actor)
    return event


def _locked(finding: Finding) -> Finding:
    return (
        Finding.objects.select_for_update(of=("self",)).select_related("agency", "responsible__user").get(pk=finding.pk)
    )


def _url(finding: Finding) -> str:
    return reverse("findings:detail", args=[finding.pk])


@transaction.atomic
def finding_raise(
    *,
    acting_user: Any,
    agency: Agency,
    article: str,
    title: str,
    description: str,
    deadline: datetime.date,
    severity: str = Finding.Severity.MINOR,
    suggestion: str = "",
    responsible: Person | None = None,
    source: str = Finding.Source.OTHER,
    source_record: models.Model | None = None,
    source_label: str = "",
    found_on: datetime.date | None = None,
    files: Iterable[UploadedFile] = (),
) -> Finding:
    """Record a problem with its rectification demand.

    Without a source record the acting user must be an inspector who reaches the agency; with one,
    the feature that owns the record (an inspection, a visit, a complaint) has checked the right.
    """
    if source_record is None and not can_raise_finding(acting_user, agency):
        raise PermissionDenied
    if responsible is not None and responsible.agency_id != agency.pk:
        raise PermissionDenied
    finding = Finding(
        agency=agency,
        article=article,
        title=title,
        description=description,
        suggestion=suggestion,
        deadline=deadline,
        severity=severity,
        responsible=responsible,
        source=source,
        source_label=source_label,
        found_by=acting_user,
        found_on=found_on or local_today(),
        **finding_source_fields(source_record),
    )
    audit(finding, acting_user, _("提出整改要求"))
    finding.full_clean(exclude=["source_type", "source_id"])
    finding.save()
    _event(finding, FindingEvent.Kind.RAISED, acting_user, suggestion, files)
    notify(
        _finding_recipients(finding),
        _("整改通知：%(title)s") % {"title": title},
        body=_("%(agency)s：%(article)s，请于 %(deadline)s 前整改并答复。")
        % {"agency": agency, "article": article, "deadline": deadline},
        url=_url(finding),
    )
    return finding


@transaction.atomic
def finding_answer(
    finding: Finding, *, acting_user: Any, text: str, files: Iterable[UploadedFile] = (), version: int | None = None
) -> Finding:
    finding = _locked(finding)
    if not can_answer_finding(acting_user, finding):
        raise PermissionDenied
    bump_version(finding, version)
    finding.answer()
    audit(finding, acting_user, _("单位答复"))
    finding.save()
    _event(finding, FindingEvent.Kind.ANSWERED, acting_user, text, files)
    notify(
        [finding.found_by],
        _("整改答复待核验：%(title)s") % {"title": finding.title},
        body=_("%(agency)s 已答复整改情况，请核验。") % {"agency": finding.agency},
        url=_url(finding),
    )
    return finding


@transaction.atomic
def finding_verify(
    finding: Finding, *, acting_user: Any, accepted: bool, text: str = "", version: int | None = None
) -> Finding:
    """Accepted: the finding is closed (销号). Rejected: back to the agency with the reasons."""
    finding = _locked(finding)
    if not can_verify_finding(acting_user, finding):
        raise PermissionDenied
    bump_version(finding, version)
    if accepted:
        finding.accept()
        kind, title = FindingEvent.Kind.ACCEPTED, _("整改已核验销号：%(title)s")
    else:
        finding.reject()
        kind, title = FindingEvent.Kind.REJECTED, _("整改不到位，已退回：%(title)s")
    audit(finding, acting_user, FindingEvent.Kind(kind).label)
    finding.save()
    _event(finding, kind, acting_user, text)
    notify(_finding_recipients(finding), title % {"title": finding.title}, body=text, url=_url(finding))
    return finding


@transaction.atomic
def finding_reopen(
    finding: Finding, *, acting_user: Any, reason: str, deadline: datetime.date, version: int | None = None
) -> Finding:
    finding = _locked(finding)
    if not can_verify_finding(acting_user, finding):
        raise PermissionDenied
    bump_version(finding, version)
    finding.reopen(deadline)
    audit(finding, acting_user, reason)
    finding.save()
    _event(finding, FindingEvent.Kind.REOPENED, acting_user, reason)
    notify(
        _finding_recipients(finding),
        _("问题重新打开：%(title)s") % {"title": finding.title},
        body=reason,
        url=_url(finding),
    )
    return finding


@transaction.atomic
def finding_change_deadline(
    finding: Finding, *, acting_user: Any, deadline: datetime.date, reason: str, version: int | None = None
) -> Finding:
    finding = _locked(finding)
    if not can_verify_finding(acting_user, finding):
        raise PermissionDenied
    bump_version(finding, version)
    previous = finding.deadline
    finding.change_deadline(deadline)
    audit(finding, acting_user, reason)
    finding.save()
    _event(finding, FindingEvent.Kind.DEADLINE_CHANGED, acting_user, f"{previous} → {deadline}：{reason}")
    notify(
        _finding_recipients(finding),
        _("整改期限已调整：%(title)s") % {"title": finding.title},
        body=f"{previous} → {deadline}：{reason}",
        url=_url(finding),
    )
    return finding


@transaction.atomic
def finding_withdraw(finding: Finding, *, acting_user: Any, reason: str, version: int | None = None) -> Finding:
    """A finding raised in error is withdrawn with a reason (never deleted): the record and its history stay."""
    finding = _locked(finding)
    if not can_verify_finding(acting_user, finding):
        raise PermissionDenied
    bump_version(finding, version)
    finding.withdraw()
    audit(finding, acting_user, reason)
    finding.save()
    _event(finding, FindingEvent.Kind.WITHDRAWN, acting_user, reason)
    notify(
        _finding_recipients(finding),
        _("问题已撤销：%(title)s") % {"title": finding.title},
        body=reason,
        url=_url(finding),
    )
    return finding


def mark_overdue_findings(today: datetime.date | None = None) -> int:
    """The daily sweep: mark findings past their deadline and tell the agency head and the finder.

    Each finding is marked once per deadline (a new deadline clears the mark), so running the sweep
    twice notifies once.
    """
    today = today or local_today()
    marked = 0
    for pk in Finding.objects.newly_overdue(today).values_list("pk", flat=True):
        marked += _mark_one_overdue(pk, today)
    return marked


@transaction.atomic
def _mark_one_overdue(pk: int, today: datetime.date) -> int:
    finding = Finding.objects.select_for_update().filter(pk=pk).first()
    if finding is None or finding.overdue_since is not None or not finding.overdue_on(today):
        return 0
    finding.mark_overdue(today)
    audit(finding, None, _("逾期未整改"))
    finding.save(update_fields=["overdue_since"])
    _event(finding, FindingEvent.Kind.OVERDUE, None, _("整改期限 %(deadline)s 已过。") % {"deadline": finding.deadline})
    notify(
        _finding_recipients(finding, finding.found_by),
        _("整改逾期：%(title)s") % {"title": finding.title},
        body=_("%(agency)s 的整改期限 %(deadline)s 已过，尚未销号。")
        % {"agency": finding.agency, "deadline": finding.deadline},
        url=_url(finding),
        key=f"finding-overdue-{finding.pk}-{finding.deadline.isoformat()}",
    )
    return 1
