"""Findings and rectification (整改): the heart of supervision (第十条（二）、第十四条、第十五条).

Any inspection, visit or complaint that finds a problem records a Finding against an agency, citing
the article and item it breaks, with a rectification demand: a deadline and a responsible person.
The agency answers with text and evidence; the finder or an inspector verifies: accepted closes the
finding, rejected sends it back with reasons. A closed finding may be reopened with a reason.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models.events import ThreadEvent
from supervision.models.org import Agency, Person
from supervision.workflow import TransitionNotAllowed


def local_today() -> datetime.date:
    return timezone.localdate()


class FindingQuerySet(models.QuerySet["Finding"]):
    def unresolved(self) -> FindingQuerySet:
        return self.filter(status__in=Finding.OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None) -> FindingQuerySet:
        return self.unresolved().filter(deadline__lt=today or local_today())

    def newly_overdue(self, today: datetime.date | None = None) -> FindingQuerySet:
        """Past the deadline, still open, and not yet marked: what the daily sweep must act on."""
        return self.overdue(today).filter(overdue_since__isnull=True)

    def awaiting_verification(self) -> FindingQuerySet:
        return self.filter(status=Finding.Status.ANSWERED)

    def awaiting_answer(self) -> FindingQuerySet:
        return self.filter(status=Finding.Status.RECTIFYING)

    def with_list_relations(self) -> FindingQuerySet:
        return self.select_related("agency", "agency__division", "found_by", "found_by__person", "responsible")


class Finding(models.Model):
    class Source(models.TextChoices):
        CONTROL_INSPECTION = "control_inspection", _("内控检查")
        SPOT_CHECK = "spot_check", _("业务抽查")
        DISCIPLINE_VISIT = "discipline_visit", _("明察暗访、定期检查")
        FUND_INSPECTION = "fund_inspection", _("社会保险基金监督检查")
        GUIDANCE_VISIT = "guidance_visit", _("业务监督指导")
        SUPERVISION_CHANNEL = "supervision_channel", _("渠道监督")
        COMPLAINT = "complaint", _("举报投诉")
        ASSESSMENT = "assessment", _("考核")
        OTHER = "other", _("日常监督")

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        MAJOR = "major", _("较重")
        SEVERE = "severe", _("严重")

    class Status(models.TextChoices):
        RECTIFYING = "rectifying", _("整改中")
        ANSWERED = "answered", _("待核验")
        CLOSED = "closed", _("已销号")
        WITHDRAWN = "withdrawn", _("已撤销")

    # A finding raised in error is withdrawn with a reason, never deleted; it is then neither open nor closed.
    OPEN_STATUSES = (Status.RECTIFYING, Status.ANSWERED)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="findings", verbose_name=_("被检查单位"))
    source = models.CharField(_("来源"), max_length=30, choices=Source.choices, default=Source.OTHER)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("来源记录类型")
    )
    source_id = models.PositiveBigIntegerField(_("来源记录编号"), null=True, blank=True)
    source_record = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("来源说明"), max_length=200, blank=True)
    article = models.CharField(_("违反条款"), max_length=50, help_text=_("如“第八条（四）”。"))
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    title = models.CharField(_("问题摘要"), max_length=200)
    description = models.TextField(_("问题描述"))
    suggestion = models.TextField(_("整改建议"), blank=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="findings_found", verbose_name=_("发现人")
    )
    found_on = models.DateField(_("发现日期"), default=local_today)
    deadline = models.DateField(_("整改期限"))
    responsible = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings_responsible",
        verbose_name=_("整改责任人"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECTIFYING)
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    overdue_since = models.DateField(_("逾期标记日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题与整改")
        verbose_name_plural = _("问题与整改")
        ordering = ["-found_on", "-pk"]
        indexes = [
            models.Index(fields=["agency", "status"], name="finding_agency_status"),
            models.Index(fields=["status", "deadline"], name="finding_status_deadline"),
            models.Index(fields=["source_type", "source_id"], name="finding_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("found_on")), name="finding_deadline_after_found")
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.article} · {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(local_today())

    def overdue_on(self, day: datetime.date) -> bool:
        return self.status in self.OPEN_STATUSES and self.deadline < day

    def answer(self) -> None:
        if self.status != self.Status.RECTIFYING:
            raise TransitionNotAllowed(_("只有整改中的问题可以答复。"))
        self.status = self.Status.ANSWERED

    def accept(self) -> None:
        if self.status != self.Status.ANSWERED:
            raise TransitionNotAllowed(_("只有已答复、待核验的问题可以核验。"))
        self.status = self.Status.CLOSED
        self.closed_at = timezone.now()

    def reject(self) -> None:
        if self.status != self.Status.ANSWERED:
            raise TransitionNotAllowed(_("只有已答复、待核验的问题可以退回。"))
        self.status = self.Status.RECTIFYING
        self.round += 1

    def reopen(self, new_deadline: datetime.date) -> None:
        if self.status != self.Status.CLOSED:
            raise TransitionNotAllowed(_("只有已销号的问题可以重新打开。"))
        self.status = self.Status.RECTIFYING
        self.closed_at = None
        self.round += 1
        self.change_deadline(new_deadline)

    def withdraw(self) -> None:
        if self.status not in self.OPEN_STATUSES:
            raise TransitionNotAllowed(_("只有整改中或待核验的问题可以撤销。"))
        self.status = self.Status.WITHDRAWN

    def change_deadline(self, new_deadline: datetime.date) -> None:
        if self.status == self.Status.WITHDRAWN:
            raise TransitionNotAllowed(_("已撤销的问题不能调整期限。"))
        if self.status == self.Status.CLOSED:
            raise TransitionNotAllowed(_("已销号的问题不能调整期限。"))
        if new_deadline < self.found_on:
            raise TransitionNotAllowed(_("整改期限不能早于发现日期。"))
        self.deadline = new_deadline
        self.overdue_since = None

    def mark_overdue(self, today: datetime.date) -> None:
        self.overdue_since = today


class FindingEvent(ThreadEvent):
    """One entry of a finding's thread: raised, answered, accepted, rejected, reopened, overdue…"""

    class Kind(models.TextChoices):
        RAISED = "raised", _("提出整改要求")
        ANSWERED = "answered", _("单位答复")
        ACCEPTED = "accepted", _("核验通过，销号")
        REJECTED = "rejected", _("核验不通过，退回整改")
        REOPENED = "reopened", _("重新打开")
        DEADLINE_CHANGED = "deadline_changed", _("调整整改期限")
        WITHDRAWN = "withdrawn", _("撤销")
        OVERDUE = "overdue", _("逾期未整改")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events", verbose_name=_("问题"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)

    class Meta(ThreadEvent.Meta):
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")


def finding_source_fields(record: models.Model | None) -> dict[str, Any]:
    """The generic link to the record that found the problem (an inspection, a visit, a complaint)."""
    if record is None:
        return {"source_type": None, "source_id": None}
    return {"source_type": ContentType.objects.get_for_model(record), "source_id": record.pk}
