"""Document numbers (发文字号) in the bureau's style: 新人社监〔2026〕3号."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DocumentSequence(models.Model):
    """The last number issued under one prefix (发文机关代字) in one year; allocated by `documents.py`."""

    prefix = models.CharField(_("发文机关代字"), max_length=30, help_text=_("如：新人社监"))
    year = models.PositiveSmallIntegerField(_("年份"))
    last_number = models.PositiveIntegerField(
        _("已用最大序号"), default=0, help_text=_("下一份文件的序号为此数加一；只能调大，调小会造成重号。")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发文字号序列")
        verbose_name_plural = _("发文字号序列")
        ordering = ["-year", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="document_sequence_once_per_prefix_year"),
            models.CheckConstraint(condition=Q(year__gte=1949, year__lte=9999), name="document_sequence_year"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕"

    def number_text(self, number: int) -> str:
        # GB/T 9704-2012 7.2.4: the year in 六角括号 〔〕, the serial number without leading zeros or 第.
        return f"{self.prefix}〔{self.year}〕{number}号"
