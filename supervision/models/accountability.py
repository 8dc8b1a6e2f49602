"""Accountability (责任追究制, 第六条; 第十六条: personnel consequences follow personnel rules).

A breach found by a complaint, an inspection or a finding leads to an accountability record: who
was held to account, for what, the decision and its date. Records are restricted: only system
administrators and users explicitly granted `supervision.view_accountabilityrecord` see them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models.org import Agency, Person


class AccountabilityRecord(models.Model):
    class Consequence(models.TextChoices):
        CRITICISM = "criticism", _("批评教育")
        ADMONITION = "admonition", _("诫勉谈话")
        CIRCULATED = "circulated", _("通报批评")
        POST_ADJUSTMENT = "post_adjustment", _("调整岗位")
        TRANSFER = "transfer", _("调离工作岗位")
        DUTY_CHANGE = "duty_change", _("职务调整")
        SANCTION = "sanction", _("党纪政务处分")
        OTHER = "other", _("其他")

    # 第十六条: consequences that move people follow the bureau's personnel rules.
    PERSONNEL_CONSEQUENCES = frozenset({Consequence.TRANSFER, Consequence.DUTY_CHANGE, Consequence.SANCTION})

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="accountability_records", verbose_name=_("单位")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountability_records",
        verbose_name=_("被追责人员"),
    )
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("来源记录类型")
    )
    source_id = models.PositiveBigIntegerField(_("来源记录编号"), null=True, blank=True)
    source_record = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("来源说明"), max_length=200, blank=True)
    breach = models.TextField(_("违反的制度或承诺"))
    decision = models.TextField(_("处理决定"))
    consequence = models.CharField(_("处理方式"), max_length=20, choices=Consequence.choices)
    decided_by = models.CharField(_("决定机关"), max_length=100)
    decided_on = models.DateField(_("决定日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任追究记录")
        verbose_name_plural = _("责任追究记录")
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="accountability_source")]

    def __str__(self) -> str:
        return f"{self.agency} · {self.get_consequence_display()} · {self.decided_on}"

    @property
    def is_personnel_matter(self) -> bool:
        return self.consequence in self.PERSONNEL_CONSEQUENCES
