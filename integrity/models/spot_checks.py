"""Spot checks (业务抽查, 第十条（二）): periodic sampling of an agency's business files.

Draft (samples and shortcomings recorded) → fed back to the agency (each shortcoming becomes a
Finding with a rectification demand) → reported to the main leader.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models import Agency, Finding, Person
from supervision.workflow import TransitionNotAllowed


class SpotCheckQuerySet(models.QuerySet["SpotCheck"]):
    def with_list_relations(self) -> SpotCheckQuerySet:
        return self.select_related("agency", "agency__division", "checked_by", "checked_by__person")


class SpotCheck(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("登记中")
        FED_BACK = "fed_back", _("已反馈")
        REPORTED = "reported", _("已报告")

    class BusinessArea(models.TextChoices):
        REGISTRATION = "registration", _("参保登记")
        CONTRIBUTION = "contribution", _("缴费核定")
        BENEFIT_REVIEW = "benefit_review", _("待遇核定")
        BENEFIT_PAYMENT = "benefit_payment", _("待遇支付")
        PERSONAL_ACCOUNT = "personal_account", _("个人账户")
        TRANSFER = "transfer", _("关系转移接续")
        FUND_FINANCE = "fund_finance", _("基金财务")
        OTHER = "other", _("其他")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="spot_checks", verbose_name=_("被抽查单位")
    )
    business_area = models.CharField(_("业务类别"), max_length=30, choices=BusinessArea.choices)
    subject = models.CharField(
        _("抽查内容"), max_length=200, help_text=_("抽查了哪些业务档案，如“2026年第二季度新增退休人员待遇核定档案”。")
    )
    period_start = models.DateField(_("业务期间起"))
    period_end = models.DateField(_("业务期间止"))
    checked_on = models.DateField(_("抽查日期"))
    population = models.PositiveIntegerField(_("业务总量（件）"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("抽查件数"))
    method = models.CharField(_("抽样方法"), max_length=200, blank=True)
    summary = models.TextField(_("抽查结论"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("抽查人")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    fed_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reported_to = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("报告对象")
    )
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    report_text = models.TextField(_("报告内容"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("业务抽查")
        verbose_name_plural = _("业务抽查")
        ordering = ["-checked_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sample_size__gte=1), name="spot_check_sample_positive"),
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__gte=models.F("sample_size")),
                name="spot_check_sample_within_population",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="spot_check_period"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.subject}"

    def ensure_draft(self) -> None:
        if self.status != self.Status.DRAFT:
            raise TransitionNotAllowed(_("抽查情况已反馈，不能再修改。"))

    def feed_back(self) -> None:
        if self.status != self.Status.DRAFT:
            raise TransitionNotAllowed(_("该抽查已经反馈，不能重复反馈。"))
        self.status = self.Status.FED_BACK
        self.fed_back_at = timezone.now()

    def report(self, to: Person, text: str) -> None:
        if self.status != self.Status.FED_BACK:
            raise TransitionNotAllowed(_("须先将抽查情况反馈被抽查单位，再报告主要领导。"))
        self.status = self.Status.REPORTED
        self.reported_to = to
        self.report_text = text
        self.reported_at = timezone.now()


class SpotCheckIssue(models.Model):
    """A shortcoming found in one sampled file; becomes a Finding when the check is fed back."""

    spot_check = models.ForeignKey(
        SpotCheck, on_delete=models.PROTECT, related_name="issues", verbose_name=_("业务抽查")
    )
    file_reference = models.CharField(_("档案或业务编号"), max_length=100, blank=True)
    article = models.CharField(_("违反条款"), max_length=50, help_text=_("如“第七条（四）”。"))
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Finding.Severity.choices, default=Finding.Severity.MINOR
    )
    title = models.CharField(_("问题摘要"), max_length=200)
    description = models.TextField(_("问题描述"))
    finding = models.OneToOneField(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("整改问题")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("抽查发现的问题")
        verbose_name_plural = _("抽查发现的问题")
        ordering = ["spot_check", "pk"]

    def __str__(self) -> str:
        return self.title
