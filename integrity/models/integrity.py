"""Integrity (廉政建设责任制, 第十一条): 一岗双责 assignments, integrity commitments, integrity talks.

Integrity talks (廉政约谈) are the most sensitive records of the portal: only system administrators
and users explicitly granted `integrity.view_integritytalk` ever see them (see `integrity.access`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models import Agency, Person
from supervision.workflow import TransitionNotAllowed


class ResponsibilityAssignment(models.Model):
    """一岗双责: a person's duties for their post and for integrity building, per year."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    post = models.CharField(_("岗位"), max_length=100)
    business_duties = models.TextField(_("业务工作职责"))
    integrity_duties = models.TextField(_("党风廉政建设职责"))
    assigned_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任领导")
    )
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一岗双责")
        verbose_name_plural = _("一岗双责")
        ordering = ["-year", "agency", "person__name"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="assignment_once_per_person_year")]

    def __str__(self) -> str:
        return f"{self.year} · {self.person}"


class IntegrityCommitment(models.Model):
    """廉政承诺书: issued to a person for a year, signed online or recorded as signed on paper."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待签署")
        SIGNED = "signed", _("已签署")
        VOID = "void", _("已作废")

    class Method(models.TextChoices):
        ONLINE = "online", _("网上签署")
        PAPER = "paper", _("纸质签署")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("承诺人"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    text = models.TextField(_("承诺内容"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    method = models.CharField(_("签署方式"), max_length=10, choices=Method.choices, blank=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    issued_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    void_reason = models.CharField(_("作废理由"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("廉政承诺书")
        verbose_name_plural = _("廉政承诺书")
        ordering = ["-year", "agency", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"], condition=~Q(status="void"), name="commitment_once_per_person_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.person}"

    def sign(self, method: str) -> None:
        if self.status != self.Status.PENDING:
            raise TransitionNotAllowed(_("只有待签署的承诺书可以签署。"))
        self.status = self.Status.SIGNED
        self.method = method
        self.signed_at = timezone.now()

    def void(self, reason: str) -> None:
        if self.status == self.Status.VOID:
            raise TransitionNotAllowed(_("该承诺书已经作废。"))
        self.status = self.Status.VOID
        self.void_reason = reason


class IntegrityTalk(models.Model):
    """廉政约谈: who was talked to, by whom, when, why, what was said, and what followed. Restricted."""

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("任前廉政谈话")
        REMINDER = "reminder", _("提醒谈话")
        ADMONITION = "admonition", _("诫勉谈话")
        OTHER = "other", _("其他约谈")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("约谈对象"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在单位"))
    kind = models.CharField(_("约谈类型"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("约谈日期"))
    place = models.CharField(_("约谈地点"), max_length=200, blank=True)
    talked_by = models.CharField(_("约谈人"), max_length=200, help_text=_("约谈人的姓名和职务。"))
    reason = models.TextField(_("约谈事由"))
    content = models.TextField(_("约谈内容"))
    follow_up_due = models.DateField(_("整改或回访期限"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("廉政约谈")
        verbose_name_plural = _("廉政约谈")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.held_on}"


class IntegrityTalkFollowUp(models.Model):
    talk = models.ForeignKey(
        IntegrityTalk, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("廉政约谈")
    )
    happened_on = models.DateField(_("日期"))
    text = models.TextField(_("后续情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("约谈后续情况")
        verbose_name_plural = _("约谈后续情况")
        ordering = ["happened_on", "pk"]

    def __str__(self) -> str:
        return f"{self.talk} · {self.happened_on}"
