"""The risk register (第十条（三）): risk identification, assessment and monitoring, risk analysis
reports and risk disposal plans (风险处置预案).

A risk's level is derived from likelihood × impact on the usual 5 × 5 matrix; the score is stored
(the database checks it equals the product) so lists filter and sort on it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models import Agency, Person
from supervision.workflow import TransitionNotAllowed

RATING_CHOICES = [(value, str(value)) for value in range(1, 6)]


class RiskCategory(models.TextChoices):
    """The control areas of Arts. 7–9 a risk belongs to."""

    BUSINESS_OPERATION = "business_operation", _("业务运行风险（第七条）")
    FUND_SAFETY = "fund_safety", _("基金安全风险（第八条）")
    INFORMATION_SYSTEM = "information_system", _("信息系统风险（第九条）")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    CRITICAL = "critical", _("重大")


# Lowest score of each level on the 5 × 5 matrix (score = likelihood × impact, 1–25).
LEVEL_FLOORS: list[tuple[int, str]] = [
    (15, RiskLevel.CRITICAL),
    (10, RiskLevel.HIGH),
    (5, RiskLevel.MEDIUM),
    (1, RiskLevel.LOW),
]


def risk_level(likelihood: int, impact: int) -> RiskLevel:
    """The level of a risk: 1–4 low, 5–9 medium, 10–14 high, 15–25 critical."""
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        raise ValueError("likelihood and impact are rated 1 to 5")
    score = likelihood * impact
    for floor, level in LEVEL_FLOORS:
        if score >= floor:
            return RiskLevel(level)
    raise AssertionError("unreachable")


def level_score_range(level: str) -> tuple[int, int]:
    floors = {lvl: floor for floor, lvl in LEVEL_FLOORS}
    ordered = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]
    index = ordered.index(RiskLevel(level))
    upper = floors[ordered[index + 1]] - 1 if index + 1 < len(ordered) else 25
    return floors[RiskLevel(level)], upper


class RiskQuerySet(models.QuerySet["Risk"]):
    def open(self) -> RiskQuerySet:
        return self.exclude(status=Risk.Status.CLOSED)

    def due_for_review(self, today: datetime.date | None = None) -> RiskQuerySet:
        return self.open().filter(next_review_on__lte=today or timezone.localdate())

    def of_level(self, level: str) -> RiskQuerySet:
        low, high = level_score_range(level)
        return self.filter(score__gte=low, score__lte=high)

    def with_list_relations(self) -> RiskQuerySet:
        return self.select_related("agency", "agency__division", "owner")


class Risk(models.Model):
    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("已识别")
        MONITORING = "monitoring", _("监控中")
        MITIGATING = "mitigating", _("处置中")
        CLOSED = "closed", _("已关闭")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="risks", verbose_name=_("单位"))
    title = models.CharField(_("风险名称"), max_length=200)
    description = models.TextField(_("风险描述"))
    category = models.CharField(_("风险类别"), max_length=30, choices=RiskCategory.choices)
    article = models.CharField(_("对应条款"), max_length=50, blank=True, help_text=_("如“第八条（三）”。"))
    likelihood = models.PositiveSmallIntegerField(_("可能性"), choices=RATING_CHOICES)
    impact = models.PositiveSmallIntegerField(_("影响程度"), choices=RATING_CHOICES)
    score = models.PositiveSmallIntegerField(_("风险值"), editable=False)
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("风险责任人")
    )
    controls = models.TextField(_("现有控制措施"))
    treatment = models.TextField(_("应对措施"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.IDENTIFIED)
    identified_on = models.DateField(_("识别日期"), default=timezone.localdate)
    next_review_on = models.DateField(_("下次复核日期"))
    last_reviewed_on = models.DateField(_("最近复核日期"), null=True, blank=True)
    closed_reason = models.CharField(_("关闭理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("风险")
        verbose_name_plural = _("风险台账")
        ordering = ["-score", "next_review_on", "pk"]
        indexes = [
            models.Index(fields=["agency", "status"], name="risk_agency_status"),
            models.Index(fields=["status", "next_review_on"], name="risk_status_review"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_5"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
            models.CheckConstraint(
                condition=Q(score=models.F("likelihood") * models.F("impact")), name="risk_score_is_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.title}"

    def rate(self, likelihood: int, impact: int) -> None:
        self.likelihood = likelihood
        self.impact = impact
        self.score = likelihood * impact

    @property
    def level(self) -> RiskLevel:
        return risk_level(self.likelihood, self.impact)

    def get_level_display(self) -> str:
        return str(self.level.label)

    @property
    def is_due_for_review(self) -> bool:
        return self.status != self.Status.CLOSED and self.next_review_on <= timezone.localdate()

    def close(self, reason: str) -> None:
        if self.status == self.Status.CLOSED:
            raise TransitionNotAllowed(_("该风险已经关闭。"))
        self.status = self.Status.CLOSED
        self.closed_reason = reason

    def ensure_open(self) -> None:
        if self.status == self.Status.CLOSED:
            raise TransitionNotAllowed(_("已关闭的风险不能修改或复核。"))


class RiskReview(models.Model):
    """One periodic review of a risk: the rating then, the status after, the next review date."""

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("风险"))
    reviewed_on = models.DateField(_("复核日期"))
    likelihood = models.PositiveSmallIntegerField(_("可能性"), choices=RATING_CHOICES)
    impact = models.PositiveSmallIntegerField(_("影响程度"), choices=RATING_CHOICES)
    status = models.CharField(_("复核后状态"), max_length=20, choices=Risk.Status.choices)
    note = models.TextField(_("复核意见"))
    next_review_on = models.DateField(_("下次复核日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("复核人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("风险复核记录")
        verbose_name_plural = _("风险复核记录")
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk} · {self.reviewed_on}"

    @property
    def level(self) -> RiskLevel:
        return risk_level(self.likelihood, self.impact)


class ReportPeriod(models.TextChoices):
    FIRST_HALF = "h1", _("上半年")
    SECOND_HALF = "h2", _("下半年")
    ANNUAL = "year", _("全年")


class RiskAnalysisReport(models.Model):
    """风险分析报告: an agency's analysis of its risks for one period, submitted to the city bureau."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="risk_reports", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.CharField(_("期间"), max_length=10, choices=ReportPeriod.choices)
    title = models.CharField(_("标题"), max_length=200)
    analysis = models.TextField(_("分析内容"))
    risks = models.ManyToManyField(Risk, blank=True, related_name="analysis_reports", verbose_name=_("复核的风险"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撰写人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("风险分析报告")
        verbose_name_plural = _("风险分析报告")
        ordering = ["-year", "-period", "agency"]
        constraints = [models.UniqueConstraint(fields=["agency", "year", "period"], name="risk_report_once_per_period")]

    def __str__(self) -> str:
        return self.title

    def ensure_draft(self) -> None:
        if self.status != self.Status.DRAFT:
            raise TransitionNotAllowed(_("报告已报送，不能再修改。"))

    def submit(self, by: object) -> None:
        if self.status != self.Status.DRAFT:
            raise TransitionNotAllowed(_("报告已经报送。"))
        self.status = self.Status.SUBMITTED
        self.submitted_at = timezone.now()
        self.submitted_by = by


class DisposalPlan(models.Model):
    """风险处置预案: what starts it, the steps, who is responsible."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟")
        IN_FORCE = "in_force", _("施行中")
        REPEALED = "repealed", _("已废止")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="disposal_plans", verbose_name=_("单位"))
    title = models.CharField(_("预案名称"), max_length=200)
    category = models.CharField(_("风险类别"), max_length=30, choices=RiskCategory.choices)
    risks = models.ManyToManyField(Risk, blank=True, related_name="disposal_plans", verbose_name=_("针对的风险"))
    triggers = models.TextField(_("启动条件"))
    steps = models.TextField(_("处置步骤"))
    responsible = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("预案责任人")
    )
    contacts = models.CharField(_("联络人及电话"), max_length=300, blank=True)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    last_drill_on = models.DateField(_("最近演练日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    repeal_reason = models.CharField(_("废止理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("风险处置预案")
        verbose_name_plural = _("风险处置预案")
        ordering = ["agency", "title"]

    def __str__(self) -> str:
        return self.title

    def put_in_force(self, on: datetime.date) -> None:
        if self.status != self.Status.DRAFT:
            raise TransitionNotAllowed(_("只有草拟的预案可以施行。"))
        self.status = self.Status.IN_FORCE
        self.effective_on = on

    def repeal(self, reason: str) -> None:
        if self.status == self.Status.REPEALED:
            raise TransitionNotAllowed(_("该预案已经废止。"))
        self.status = self.Status.REPEALED
        self.repeal_reason = reason

    def ensure_editable(self) -> None:
        if self.status == self.Status.REPEALED:
            raise TransitionNotAllowed(_("已废止的预案不能修改。"))
