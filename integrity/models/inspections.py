"""Control inspections (内控检查): an inspector runs the checklists of Arts. 7–10 on an agency.

Planned → in progress (the first recorded item) → completed; a planned or running inspection may be
cancelled with a reason. Completing turns each partly or not compliant item into a Finding with a
rectification demand (the shared mechanism), exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integrity.models.checklists import ChecklistItem, ChecklistVersion
from supervision.models import Agency, Finding
from supervision.workflow import TransitionNotAllowed


class ControlInspectionQuerySet(models.QuerySet["ControlInspection"]):
    def open(self) -> ControlInspectionQuerySet:
        return self.filter(status__in=[ControlInspection.Status.PLANNED, ControlInspection.Status.IN_PROGRESS])

    def with_list_relations(self) -> ControlInspectionQuerySet:
        return self.select_related("agency", "agency__division", "lead", "lead__person")


class ControlInspection(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("已计划")
        IN_PROGRESS = "in_progress", _("检查中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已撤销")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="control_inspections", verbose_name=_("被检查单位")
    )
    title = models.CharField(_("检查名称"), max_length=200)
    checklists = models.ManyToManyField(ChecklistVersion, related_name="inspections", verbose_name=_("检查清单"))
    period_start = models.DateField(_("检查期间起"))
    period_end = models.DateField(_("检查期间止"))
    planned_on = models.DateField(_("计划检查日期"))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查组长")
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="control_inspections_joined", verbose_name=_("检查组成员")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    conclusion = models.TextField(_("检查结论"), blank=True)
    report_number = models.CharField(_("报告文号"), max_length=50, blank=True)
    started_at = models.DateTimeField(_("开始检查时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )
    cancel_reason = models.CharField(_("撤销理由"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    objects = ControlInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("内控检查")
        verbose_name_plural = _("内控检查")
        ordering = ["-planned_on", "-pk"]
        indexes = [models.Index(fields=["agency", "status"], name="inspection_agency_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="inspection_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.PLANNED, self.Status.IN_PROGRESS}

    def start(self) -> None:
        if self.status == self.Status.IN_PROGRESS:
            return
        if self.status != self.Status.PLANNED:
            raise TransitionNotAllowed(_("只有已计划的检查可以开始。"))
        self.status = self.Status.IN_PROGRESS
        self.started_at = timezone.now()

    def ensure_open(self) -> None:
        if not self.is_open:
            raise TransitionNotAllowed(_("检查已完成或已撤销，不能再修改检查记录。"))

    def complete(self, by: object) -> None:
        if self.status == self.Status.COMPLETED:
            raise TransitionNotAllowed(_("该检查已经完成，不能重复完成。"))
        if not self.is_open:
            raise TransitionNotAllowed(_("已撤销的检查不能完成。"))
        self.status = self.Status.COMPLETED
        self.completed_at = timezone.now()
        self.completed_by = by

    def cancel(self, reason: str) -> None:
        if not self.is_open:
            raise TransitionNotAllowed(_("只有未完成的检查可以撤销。"))
        self.status = self.Status.CANCELLED
        self.cancel_reason = reason


class InspectionItemResult(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", _("待检查")
        COMPLIANT = "compliant", _("符合")
        PARTLY = "partly", _("部分符合")
        NOT_COMPLIANT = "not_compliant", _("不符合")
        NOT_APPLICABLE = "not_applicable", _("不适用")

    SHORTCOMINGS = frozenset({Result.PARTLY, Result.NOT_COMPLIANT})

    inspection = models.ForeignKey(
        ControlInspection, on_delete=models.PROTECT, related_name="results", verbose_name=_("内控检查")
    )
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("清单条目"))
    result = models.CharField(_("检查结果"), max_length=20, choices=Result.choices, default=Result.PENDING)
    problem = models.CharField(_("问题摘要"), max_length=200, blank=True)
    notes = models.TextField(_("检查情况"), blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Finding.Severity.choices, default=Finding.Severity.MINOR
    )
    finding = models.OneToOneField(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改问题"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查条目结果")
        verbose_name_plural = _("检查条目结果")
        ordering = ["inspection", "item__version__checklist__article", "item__position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_item_once")]

    def __str__(self) -> str:
        return f"{self.item.code} · {self.get_result_display()}"

    @property
    def is_shortcoming(self) -> bool:
        return self.result in self.SHORTCOMINGS
