"""Service standards (第六条): 限时办结制、服务承诺制、首问负责制、责任追究制, on record per agency.

Breaches of them, found by complaints or inspections, lead to accountability records: the ground
floor's `AccountabilityRecord`, whose pages live in this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models import Agency
from supervision.workflow import TransitionNotAllowed


class ServiceCommitment(models.Model):
    """服务承诺: one service item and the time limit the agency promises for it."""

    class TimeUnit(models.TextChoices):
        ON_THE_SPOT = "on_the_spot", _("即时办结")
        MINUTES = "minutes", _("分钟")
        HOURS = "hours", _("小时")
        WORKING_DAYS = "working_days", _("个工作日")
        DAYS = "days", _("日")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="service_commitments", verbose_name=_("单位")
    )
    item = models.CharField(_("服务事项"), max_length=200)
    time_limit = models.PositiveSmallIntegerField(_("承诺时限"), null=True, blank=True)
    time_unit = models.CharField(_("时限单位"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS)
    legal_limit = models.CharField(_("法定时限"), max_length=100, blank=True)
    commitment = models.TextField(_("承诺内容"))
    basis = models.CharField(_("办理依据"), max_length=300, blank=True)
    effective_on = models.DateField(_("公开承诺日期"), default=timezone.localdate)
    is_active = models.BooleanField(_("有效"), default=True)
    withdraw_reason = models.CharField(_("停止承诺理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务承诺")
        verbose_name_plural = _("服务承诺")
        ordering = ["agency", "-is_active", "item"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_unit="on_the_spot") | Q(time_limit__gte=1), name="commitment_has_a_time_limit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.item}"

    @property
    def time_limit_display(self) -> str:
        if self.time_unit == self.TimeUnit.ON_THE_SPOT:
            return str(self.TimeUnit.ON_THE_SPOT.label)
        return f"{self.time_limit} {self.get_time_unit_display()}"

    def withdraw(self, reason: str) -> None:
        if not self.is_active:
            raise TransitionNotAllowed(_("该承诺已经停止。"))
        self.is_active = False
        self.withdraw_reason = reason


class ServiceRule(models.Model):
    """A service rule on record: first-inquiry responsibility, time-limited completion, …"""

    class Kind(models.TextChoices):
        TIME_LIMITED = "time_limited", _("限时办结制")
        COMMITMENT = "commitment", _("服务承诺制")
        FIRST_INQUIRY = "first_inquiry", _("首问负责制")
        ACCOUNTABILITY = "accountability", _("责任追究制")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="service_rules", verbose_name=_("单位"))
    kind = models.CharField(_("制度类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("制度名称"), max_length=200)
    content = models.TextField(_("主要内容"))
    effective_on = models.DateField(_("施行日期"), default=timezone.localdate)
    is_active = models.BooleanField(_("有效"), default=True)
    repeal_reason = models.CharField(_("废止理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务制度")
        verbose_name_plural = _("服务制度")
        ordering = ["agency", "kind", "-effective_on"]

    def __str__(self) -> str:
        return f"{self.agency} · {self.title}"

    def repeal(self, reason: str) -> None:
        if not self.is_active:
            raise TransitionNotAllowed(_("该制度已经废止。"))
        self.is_active = False
        self.repeal_reason = reason
