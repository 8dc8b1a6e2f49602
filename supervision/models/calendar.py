"""What the bureau knows about working days beyond the holiday package (第五条: attendance, deadlines).

The mainland-China public holidays and adjusted working days (调休上班) come from the `holidays`
package (see `supervision/workdays.py`); these rows add what it cannot know: a city's own days off
and a year's State Council schedule (国务院办公厅部分节假日安排的通知) published after the package.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .org import City


class CalendarYear(models.Model):
    """Whether a year's State Council holiday schedule has been entered for every city or for one."""

    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_years",
        verbose_name=_("设区市"),
        help_text=_("留空表示适用于所有设区市。"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    schedule_loaded = models.BooleanField(
        _("放假安排已录入"),
        default=False,
        help_text=_("该年度的国务院放假安排已完整录入为工作日调整后勾选；未勾选时平台会提示该年度的工作日为推算。"),
    )
    note = models.CharField(
        _("说明"), max_length=200, blank=True, help_text=_("如所依据的国务院办公厅通知的名称和文号。")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度放假安排")
        verbose_name_plural = _("年度放假安排")
        ordering = ["-year", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "year"], condition=Q(city__isnull=False), name="calendar_year_once_per_city"
            ),
            models.UniqueConstraint(
                fields=["year"], condition=Q(city__isnull=True), name="calendar_year_once_for_all_cities"
            ),
            # The holiday package covers 1950–2100; a year outside it is a typing error.
            models.CheckConstraint(condition=Q(year__gte=1950, year__lte=2100), name="calendar_year_in_range"),
        ]

    def __str__(self) -> str:
        where = self.city or _("所有设区市")
        return f"{self.year} {where}"


class CalendarOverride(models.Model):
    """One day that is, for one city or for every city, a working day or not, whatever the package says."""

    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_overrides",
        verbose_name=_("设区市"),
        help_text=_("留空表示适用于所有设区市。"),
    )
    date = models.DateField(_("日期"))
    is_working_day = models.BooleanField(_("上班"), help_text=_("勾选表示当天上班，不勾选表示当天放假。"))
    reason = models.CharField(_("原因"), max_length=200)
    schedule = models.ForeignKey(
        CalendarYear,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("所属年度放假安排"),
        help_text=_("由年度放假安排生成的调整随该安排重新录入或删除。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "date"], condition=Q(city__isnull=False), name="calendar_override_once_per_city"
            ),
            models.UniqueConstraint(
                fields=["date"], condition=Q(city__isnull=True), name="calendar_override_once_for_all_cities"
            ),
        ]
        indexes = [models.Index(fields=["date"], name="calendar_override_date")]

    def __str__(self) -> str:
        kind = _("上班") if self.is_working_day else _("放假")
        where = self.city or _("所有设区市")
        return f"{self.date} {kind} {where}"
