"""Supervision (第三章, 第十二条至第十五条).

- 第十二条: the four supervision channels and their activities (`SupervisionActivity`); supervisors
  belong to no unit and see the activities of the channels they are granted (`ChannelMembership`).
- 第十三条: every county agency reports its business to the same-level HRSS department every half
  year (`SemiannualReport`, with due dates from `OversightSettings`).
- 第十四条: supervision and guidance visits by the city and county HRSS departments (`GuidanceVisit`).
- 第十五条: fund inspections (`FundInspection`) and their measures — the materials and seal registers
  (`InspectionMaterial`, `MaterialSeal`), inquiries (`Inquiry`), stop-and-correct orders
  (`CorrectionOrder`), handling decisions (`HandlingDecision`) — and the publication of their results
  (`Disclosure`). Problems found become shared `Finding`s with rectification suggestions.
"""

from __future__ import annotations

import calendar
import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models.events import ThreadEvent
from supervision.models.findings import local_today
from supervision.models.org import Agency, City, Division
from supervision.workflow import TransitionNotAllowed

# ---------------------------------------------------------------------------------------------
# 第十二条: four channels
# ---------------------------------------------------------------------------------------------


class Channel(models.TextChoices):
    LEGISLATIVE = "legislative", _("立法机构监督")
    DEMOCRATIC = "democratic", _("民主监督")
    ADMINISTRATIVE = "administrative", _("行政监督")
    SOCIAL = "social", _("社会监督")


class ActivityKind(models.TextChoices):
    # (一) 市人民代表大会
    BUDGET_REVIEW = "budget_review", _("审查、批准社会保险基金预算")
    SPECIAL_REPORT = "special_report", _("听取和审议专项工作报告")
    FIELD_INSPECTION = "field_inspection", _("实地检查")
    # (二) 社会保险委员会
    WORK_CHECK = "work_check", _("工作开展情况监督")
    STYLE_CHECK = "style_check", _("作风建设情况监督")
    PETITION_CHECK = "petition_check", _("信访举报情况监督")
    # (三) 财政、审计部门
    FUND_CHECK = "fund_check", _("社会保险基金监督检查")
    SPECIAL_INSPECTION = "special_inspection", _("专项检查")
    # (四) 社会和舆论
    INFORMATION_DISCLOSURE = "information_disclosure", _("信息公开与基金信息披露")
    MEDIA = "media", _("舆论监督")


KINDS_BY_CHANNEL: dict[str, tuple[str, ...]] = {
    Channel.LEGISLATIVE: (ActivityKind.BUDGET_REVIEW, ActivityKind.SPECIAL_REPORT, ActivityKind.FIELD_INSPECTION),
    Channel.DEMOCRATIC: (ActivityKind.WORK_CHECK, ActivityKind.STYLE_CHECK, ActivityKind.PETITION_CHECK),
    Channel.ADMINISTRATIVE: (ActivityKind.FUND_CHECK, ActivityKind.SPECIAL_INSPECTION),
    Channel.SOCIAL: (ActivityKind.INFORMATION_DISCLOSURE, ActivityKind.MEDIA),
}

# The body that usually acts in each channel, offered as the default in forms.
CHANNEL_BODIES: dict[str, Any] = {
    Channel.LEGISLATIVE: _("市人民代表大会常务委员会"),
    Channel.DEMOCRATIC: _("社会保险委员会"),
    Channel.ADMINISTRATIVE: _("市财政局、市审计局"),
    Channel.SOCIAL: _("社会公众、新闻媒体"),
}


def _kind_matches_channel() -> Q:
    condition = Q(pk__in=[])
    for channel, kinds in KINDS_BY_CHANNEL.items():
        condition |= Q(channel=channel, kind__in=list(kinds))
    return condition


class ChannelMembership(models.Model):
    """A supervisor granted one channel: they see that channel's activities and nothing else."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_memberships",
        verbose_name=_("监督人员账号"),
    )
    channel = models.CharField(_("监督渠道"), max_length=20, choices=Channel.choices)
    body = models.CharField(_("所在监督主体"), max_length=100, blank=True, help_text=_("如：市人大常委会"))
    capacity = models.CharField(_("身份"), max_length=50, blank=True, help_text=_("如：人大代表、政协委员"))
    is_active = models.BooleanField(_("有效"), default=True)
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监督渠道成员")
        verbose_name_plural = _("监督渠道成员")
        ordering = ["channel", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="channel_membership_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()}"


class SupervisionActivityQuerySet(models.QuerySet["SupervisionActivity"]):
    def current(self) -> SupervisionActivityQuerySet:
        return self.filter(voided_at__isnull=True)


class SupervisionActivity(models.Model):
    """One activity of a supervision channel: who, when, whom it concerned, what it found."""

    channel = models.CharField(_("监督渠道"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("监督方式"), max_length=30, choices=ActivityKind.choices)
    body = models.CharField(_("监督主体"), max_length=100)
    title = models.CharField(_("活动名称"), max_length=200)
    held_on = models.DateField(_("开展日期"))
    subjects = models.ManyToManyField(Agency, related_name="supervision_activities", verbose_name=_("被监督单位"))
    participants = models.TextField(_("参加人员"), blank=True)
    summary = models.TextField(_("情况摘要"))
    outcome = models.TextField(_("监督意见及落实情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废理由"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = SupervisionActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("渠道监督活动")
        verbose_name_plural = _("渠道监督活动")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["channel", "held_on"], name="activity_channel_held")]
        constraints = [models.CheckConstraint(condition=_kind_matches_channel(), name="activity_kind_in_channel")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    def void(self, reason: str) -> None:
        if self.voided_at is not None:
            raise TransitionNotAllowed(_("该监督活动已作废。"))
        self.voided_at = timezone.now()
        self.void_reason = reason


# ---------------------------------------------------------------------------------------------
# Settings per city: semiannual due dates, reminders, document numbers
# ---------------------------------------------------------------------------------------------


class OversightSettings(models.Model):
    """What the regulation leaves to the bureau: when semiannual reports are due, and how documents are numbered."""

    city = models.OneToOneField(
        City, on_delete=models.CASCADE, related_name="oversight_settings", verbose_name=_("设区市")
    )
    h1_due_month = models.PositiveSmallIntegerField(_("上半年汇报截止月"), default=7)
    h1_due_day = models.PositiveSmallIntegerField(_("上半年汇报截止日"), default=15)
    h2_due_month = models.PositiveSmallIntegerField(
        _("下半年汇报截止月（次年）"), default=1, help_text=_("下半年汇报在次年报送。")
    )
    h2_due_day = models.PositiveSmallIntegerField(_("下半年汇报截止日"), default=15)
    reminder_days = models.PositiveSmallIntegerField(_("截止前提醒天数"), default=5)
    resubmit_days = models.PositiveSmallIntegerField(_("退回修改后重报期限（天）"), default=10)
    document_prefix = models.CharField(
        _("监督文书发文机关代字"),
        max_length=30,
        default="新人社监",
        help_text=_("如“新人社监”，文号为 新人社监〔2026〕3号。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监督工作设置")
        verbose_name_plural = _("监督工作设置")
        constraints = [
            # H1 (January–June) cannot be due before the half is over.
            models.CheckConstraint(condition=Q(h1_due_month__gte=7, h1_due_month__lte=12), name="oversight_h1_month"),
            models.CheckConstraint(condition=Q(h2_due_month__gte=1, h2_due_month__lte=12), name="oversight_h2_month"),
            models.CheckConstraint(
                condition=Q(h1_due_day__gte=1, h1_due_day__lte=31, h2_due_day__gte=1, h2_due_day__lte=31),
                name="oversight_due_days",
            ),
        ]

    def __str__(self) -> str:
        return str(self.city)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        for month_field, day_field in (("h1_due_month", "h1_due_day"), ("h2_due_month", "h2_due_day")):
            month, day = getattr(self, month_field), getattr(self, day_field)
            if 1 <= month <= 12 and day > 28 and day > calendar.monthrange(2025, month)[1]:
                errors[day_field] = _("该月没有这一天。")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def for_city(cls, city_id: int | None) -> OversightSettings:
        """The city's settings, or the defaults (H1 due 15 July, H2 due 15 January) when none are saved."""
        found = cls.objects.filter(city_id=city_id).first() if city_id else None
        return found or cls(city_id=city_id)

    def due_date(self, year: int, half: int) -> datetime.date:
        """第十三条: H1 is due in July of the same year, H2 in January of the next (configurable)."""
        if half == SemiannualReport.Half.H1:
            return _safe_date(year, self.h1_due_month, self.h1_due_day)
        return _safe_date(year + 1, self.h2_due_month, self.h2_due_day)


def _safe_date(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def period_label(year: int, half: int) -> str:
    """“2026年上半年”."""
    return gettext("%(year)s年%(half)s") % {"year": year, "half": SemiannualReport.Half(half).label}


def period_end(year: int, half: int) -> datetime.date:
    return datetime.date(year, 6, 30) if half == 1 else datetime.date(year, 12, 31)


def last_ended_period(today: datetime.date) -> tuple[int, int]:
    """The most recent half-year that is over on `today`: on 2026-07-01 that is 2026 H1."""
    if today.month >= 7:
        return today.year, 1
    return today.year - 1, 2


# ---------------------------------------------------------------------------------------------
# 第十三条: semiannual reports
# ---------------------------------------------------------------------------------------------


class SemiannualReportQuerySet(models.QuerySet["SemiannualReport"]):
    def with_effective_due(self) -> SemiannualReportQuerySet:
        return self.annotate(effective_due=Coalesce("resubmit_due", "due_on"))

    def pending(self) -> SemiannualReportQuerySet:
        """Not (re)submitted yet: being drafted or returned for revision."""
        return self.filter(status__in=[SemiannualReport.Status.DRAFT, SemiannualReport.Status.RETURNED])

    def overdue(self, today: datetime.date | None = None) -> SemiannualReportQuerySet:
        return self.pending().with_effective_due().filter(effective_due__lt=today or local_today())

    def newly_overdue(self, today: datetime.date | None = None) -> SemiannualReportQuerySet:
        return self.overdue(today).filter(overdue_since__isnull=True)

    def due_within(self, today: datetime.date, days: int) -> SemiannualReportQuerySet:
        return (
            self.pending()
            .with_effective_due()
            .filter(effective_due__gte=today, effective_due__lte=today + datetime.timedelta(days=days))
        )

    def awaiting_review(self) -> SemiannualReportQuerySet:
        return self.filter(status=SemiannualReport.Status.SUBMITTED)

    def with_list_relations(self) -> SemiannualReportQuerySet:
        return self.select_related("agency", "agency__division", "recipient", "submitted_by__person")


class SemiannualReport(models.Model):
    """第十三条: a county agency's half-year report of its business to the same-level HRSS department."""

    class Half(models.IntegerChoices):
        H1 = 1, _("上半年")
        H2 = 2, _("下半年")

    class Status(models.TextChoices):
        DRAFT = "draft", _("填报中")
        SUBMITTED = "submitted", _("已报送，待审阅")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("审阅通过")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="semiannual_reports", verbose_name=_("报告单位")
    )
    recipient = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="received_semiannual_reports",
        verbose_name=_("报送对象"),
        help_text=_("同级人力资源和社会保障部门。"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.PositiveSmallIntegerField(_("半年"), choices=Half.choices)
    due_on = models.DateField(_("报送期限"))
    resubmit_due = models.DateField(_("退回后重报期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    # Business figures (业务经办情况), amounts in 万元.
    insured_count = models.PositiveIntegerField(_("参保人数（人）"), null=True, blank=True)
    new_insured_count = models.PositiveIntegerField(_("新增参保人数（人）"), null=True, blank=True)
    beneficiary_count = models.PositiveIntegerField(_("待遇领取人数（人）"), null=True, blank=True)
    contribution_income = models.DecimalField(
        _("基金征缴收入（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    benefit_expenditure = models.DecimalField(
        _("待遇支出（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    cases_handled = models.PositiveIntegerField(_("办结业务（件）"), null=True, blank=True)
    complaints_received = models.PositiveIntegerField(_("受理举报投诉（件）"), null=True, blank=True)
    narrative = models.TextField(_("业务经办情况"), blank=True)
    problems = models.TextField(_("存在的问题"), blank=True)
    plans = models.TextField(_("下一步工作打算"), blank=True)

    round = models.PositiveSmallIntegerField(_("报送次数"), default=0)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审阅人"),
    )
    review_comment = models.TextField(_("审阅意见"), blank=True)
    overdue_since = models.DateField(_("逾期标记日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = SemiannualReportQuerySet.as_manager()

    # What must be filled in before the report may be submitted.
    REQUIRED_FOR_SUBMISSION = (
        "insured_count",
        "new_insured_count",
        "beneficiary_count",
        "contribution_income",
        "benefit_expenditure",
        "cases_handled",
        "complaints_received",
        "narrative",
    )

    class Meta:
        verbose_name = _("半年业务经办情况汇报")
        verbose_name_plural = _("半年业务经办情况汇报")
        ordering = ["-year", "-half", "agency__division__code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "half"], name="semiannual_once_per_period"),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="semiannual_half"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="semiannual_status_due")]

    def __str__(self) -> str:
        return f"{self.agency} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.half)

    @property
    def effective_due_on(self) -> datetime.date:
        return self.resubmit_due or self.due_on

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.RETURNED}

    def overdue_on(self, day: datetime.date) -> bool:
        return self.is_pending and self.effective_due_on < day

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(local_today())

    @property
    def is_editable(self) -> bool:
        return self.is_pending

    def missing_for_submission(self) -> list[str]:
        missing = []
        for name in self.REQUIRED_FOR_SUBMISSION:
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                missing.append(str(self._meta.get_field(name).verbose_name))
        return missing

    def submit(self, by: Any) -> None:
        if not self.is_pending:
            raise TransitionNotAllowed(_("只有填报中或退回修改的汇报可以报送。"))
        missing = self.missing_for_submission()
        if missing:
            raise TransitionNotAllowed(_("以下内容尚未填写，不能报送：%(fields)s。") % {"fields": "、".join(missing)})
        self.status = self.Status.SUBMITTED
        self.submitted_at = timezone.now()
        self.submitted_by = by
        self.round += 1

    def accept(self, by: Any, comment: str) -> None:
        if self.status != self.Status.SUBMITTED:
            raise TransitionNotAllowed(_("只有已报送的汇报可以审阅。"))
        self.status = self.Status.ACCEPTED
        self.reviewed_at = timezone.now()
        self.reviewed_by = by
        self.review_comment = comment

    def return_for_revision(self, by: Any, comment: str, resubmit_due: datetime.date) -> None:
        if self.status != self.Status.SUBMITTED:
            raise TransitionNotAllowed(_("只有已报送的汇报可以退回修改。"))
        if not comment.strip():
            raise TransitionNotAllowed(_("退回修改时须写明审阅意见。"))
        self.status = self.Status.RETURNED
        self.reviewed_at = timezone.now()
        self.reviewed_by = by
        self.review_comment = comment
        self.resubmit_due = resubmit_due
        # A new deadline: the overdue mark (and its reminder) start again.
        self.overdue_since = None

    def mark_overdue(self, today: datetime.date) -> None:
        self.overdue_since = today


class SemiannualReportEvent(ThreadEvent):
    """One step of a report's thread: opened, submitted, returned with comments, accepted, overdue."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("开始填报")
        SUBMITTED = "submitted", _("报送")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("审阅通过")
        REMINDED = "reminded", _("到期提醒")
        OVERDUE = "overdue", _("逾期未报送")

    report = models.ForeignKey(
        SemiannualReport, on_delete=models.CASCADE, related_name="events", verbose_name=_("半年汇报")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)

    class Meta(ThreadEvent.Meta):
        verbose_name = _("半年汇报办理记录")
        verbose_name_plural = _("半年汇报办理记录")


# ---------------------------------------------------------------------------------------------
# 第十四条: supervision and guidance visits
# ---------------------------------------------------------------------------------------------


class GuidanceVisitQuerySet(models.QuerySet["GuidanceVisit"]):
    def with_list_relations(self) -> GuidanceVisitQuerySet:
        return self.select_related("agency", "agency__division", "organiser")


class GuidanceVisit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        DONE = "done", _("已开展")
        CANCELLED = "cancelled", _("已取消")

    organiser = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="guidance_visits_organised", verbose_name=_("指导单位")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="guidance_visits", verbose_name=_("被指导单位")
    )
    planned_on = models.DateField(_("计划日期"))
    visited_on = models.DateField(_("实际开展日期"), null=True, blank=True)
    topics = models.TextField(_("指导内容"))
    team = models.CharField(_("参加人员"), max_length=300, blank=True)
    notes = models.TextField(_("指导情况记录"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    cancel_reason = models.CharField(_("取消理由"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = GuidanceVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("业务监督指导")
        verbose_name_plural = _("业务监督指导")
        ordering = ["-planned_on", "-pk"]
        indexes = [models.Index(fields=["agency", "status"], name="visit_agency_status")]

    def __str__(self) -> str:
        return f"{self.agency} · {self.planned_on}"

    def record_done(self, visited_on: datetime.date, notes: str) -> None:
        if self.status != self.Status.PLANNED:
            raise TransitionNotAllowed(_("只有计划中的指导可以登记开展情况。"))
        if visited_on > local_today():
            raise TransitionNotAllowed(_("实际开展日期不能晚于今天。"))
        self.status = self.Status.DONE
        self.visited_on = visited_on
        self.notes = notes

    def cancel(self, reason: str) -> None:
        if self.status != self.Status.PLANNED:
            raise TransitionNotAllowed(_("只有计划中的指导可以取消。"))
        self.status = self.Status.CANCELLED
        self.cancel_reason = reason


# ---------------------------------------------------------------------------------------------
# 第十五条: fund inspections and their measures
# ---------------------------------------------------------------------------------------------


class FundInspectionQuerySet(models.QuerySet["FundInspection"]):
    def in_progress(self) -> FundInspectionQuerySet:
        return self.filter(status=FundInspection.Status.IN_PROGRESS)


class FundInspection(models.Model):
    """社会保险基金监督检查: one inspection of one or more agencies for a period, by a team."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("检查中")
        CONCLUDED = "concluded", _("已结束")
        CANCELLED = "cancelled", _("已撤销")

    organiser = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="fund_inspections_organised", verbose_name=_("检查机关")
    )
    title = models.CharField(_("检查名称"), max_length=200)
    agencies = models.ManyToManyField(Agency, related_name="fund_inspections", verbose_name=_("被检查单位"))
    period_start = models.DateField(_("检查所属期起"))
    period_end = models.DateField(_("检查所属期止"))
    started_on = models.DateField(_("检查开始日期"))
    ended_on = models.DateField(_("检查结束日期"), null=True, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查组组长")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="fund_inspection_teams", blank=True, verbose_name=_("检查组成员")
    )
    scope = models.TextField(_("检查内容"))
    conclusion = models.TextField(_("检查结论"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    cancel_reason = models.CharField(_("撤销理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = FundInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("社会保险基金监督检查")
        verbose_name_plural = _("社会保险基金监督检查")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="inspection_period_order"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="inspection_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_in_progress(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    def is_on_team(self, user: Any) -> bool:
        user_id = getattr(user, "pk", None)
        return user_id is not None and (self.leader_id == user_id or self.members.filter(pk=user_id).exists())

    def require_in_progress(self) -> None:
        if self.status != self.Status.IN_PROGRESS:
            raise TransitionNotAllowed(_("检查已结束或已撤销，不能再登记检查措施。"))

    def require_not_cancelled(self) -> None:
        if self.status == self.Status.CANCELLED:
            raise TransitionNotAllowed(_("检查已撤销。"))

    def conclude(self, ended_on: datetime.date, conclusion: str) -> None:
        self.require_in_progress()
        if ended_on < self.started_on:
            raise TransitionNotAllowed(_("检查结束日期不能早于开始日期。"))
        if ended_on > local_today():
            raise TransitionNotAllowed(_("检查结束日期不能晚于今天。"))
        self.status = self.Status.CONCLUDED
        self.ended_on = ended_on
        self.conclusion = conclusion

    def cancel(self, reason: str, *, open_seals: int) -> None:
        self.require_in_progress()
        if open_seals:
            raise TransitionNotAllowed(
                _("尚有 %(count)s 份材料处于封存状态，须先解除封存才能撤销检查。") % {"count": open_seals}
            )
        self.status = self.Status.CANCELLED
        self.cancel_reason = reason


class InspectionMaterial(models.Model):
    """第十五条（一）: material read, recorded or copied; those at risk are sealed (封存)."""

    class Handling(models.TextChoices):
        READ = "read", _("查阅")
        RECORDED = "recorded", _("记录")
        COPIED = "copied", _("复制")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        SEALED = "sealed", _("封存中")
        RELEASED = "released", _("已解除封存")

    inspection = models.ForeignKey(
        FundInspection, on_delete=models.PROTECT, related_name="materials", verbose_name=_("基金监督检查")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("材料所属单位"))
    name = models.CharField(_("材料名称"), max_length=200)
    description = models.CharField(_("内容及所属期间"), max_length=300, blank=True)
    quantity = models.CharField(_("数量"), max_length=50, help_text=_("如：3册、120页、1个U盘"))
    handling = models.CharField(_("处置方式"), max_length=20, choices=Handling.choices)
    registered_on = models.DateField(_("登记日期"), default=local_today)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查材料")
        verbose_name_plural = _("检查材料")
        ordering = ["registered_on", "pk"]

    def __str__(self) -> str:
        return self.name

    def seal(self, sealed_on: datetime.date) -> None:
        if self.status == self.Status.SEALED:
            raise TransitionNotAllowed(_("该材料已处于封存状态。"))
        if sealed_on > local_today():
            raise TransitionNotAllowed(_("封存日期不能晚于今天。"))
        if sealed_on < self.registered_on:
            raise TransitionNotAllowed(_("封存日期不能早于材料登记日期。"))
        self.status = self.Status.SEALED

    def release(self, seal: MaterialSeal | None, released_on: datetime.date) -> None:
        """Release the open seal; a material that was never sealed cannot be released."""
        if self.status != self.Status.SEALED or seal is None:
            raise TransitionNotAllowed(_("该材料尚未封存，不能解除封存。"))
        if released_on < seal.sealed_on:
            raise TransitionNotAllowed(
                _("解除封存日期不能早于封存日期（%(sealed_on)s）。") % {"sealed_on": seal.sealed_on.isoformat()}
            )
        if released_on > local_today():
            raise TransitionNotAllowed(_("解除封存日期不能晚于今天。"))
        self.status = self.Status.RELEASED


class MaterialSeal(models.Model):
    """One entry of the seal register (封存清单): sealed when, where, under which seal, released when and by whom."""

    material = models.ForeignKey(
        InspectionMaterial, on_delete=models.PROTECT, related_name="seals", verbose_name=_("检查材料")
    )
    seal_number = models.CharField(_("封条编号"), max_length=50)
    place = models.CharField(_("封存地点"), max_length=200)
    sealed_on = models.DateField(_("封存日期"))
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("封存人")
    )
    released_on = models.DateField(_("解除封存日期"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除封存人"),
    )
    release_reason = models.CharField(_("解除封存理由"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("材料封存登记")
        verbose_name_plural = _("材料封存登记")
        ordering = ["sealed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["material"], condition=Q(released_on__isnull=True), name="seal_one_open_per_material"
            ),
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(released_on__gte=F("sealed_on")),
                name="seal_released_after_sealed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seal_number} · {self.material}"

    @property
    def is_open(self) -> bool:
        return self.released_on is None


class Inquiry(models.Model):
    """第十五条（二）: an inquiry record (询问笔录): who was questioned, when, the questions and answers."""

    inspection = models.ForeignKey(
        FundInspection, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("基金监督检查")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("涉及单位"))
    interviewee = models.CharField(_("被询问人"), max_length=50)
    interviewee_unit = models.CharField(_("被询问人工作单位"), max_length=100)
    interviewee_position = models.CharField(_("被询问人职务"), max_length=50, blank=True)
    place = models.CharField(_("询问地点"), max_length=200)
    started_at = models.DateTimeField(_("询问开始时间"))
    ended_at = models.DateTimeField(_("询问结束时间"))
    inquirers = models.CharField(_("询问人"), max_length=200)
    recorder = models.CharField(_("记录人"), max_length=50)
    transcript = models.TextField(_("询问内容（问答）"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("询问笔录")
        verbose_name_plural = _("询问笔录")
        ordering = ["started_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gte=F("started_at")), name="inquiry_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.interviewee} · {timezone.localtime(self.started_at):%Y-%m-%d}"


class RevocableDocument(models.Model):
    """A numbered document that stays on file when it is revoked (撤销): by whom, when and why."""

    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.TextField(_("撤销理由"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CorrectionOrder(RevocableDocument):
    """第十五条（三）: 责令改正通知书 — stop hiding, moving, seizing or misappropriating funds, and correct it."""

    class Conduct(models.TextChoices):
        HIDING = "hiding", _("隐匿社会保险基金")
        MOVING = "moving", _("转移社会保险基金")
        SEIZING = "seizing", _("侵占社会保险基金")
        MISAPPROPRIATING = "misappropriating", _("挪用社会保险基金")

    inspection = models.ForeignKey(
        FundInspection, on_delete=models.PROTECT, related_name="orders", verbose_name=_("基金监督检查")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("被责令单位"))
    number = models.CharField(_("文号"), max_length=50, unique=True)
    conduct = models.CharField(_("违法行为"), max_length=20, choices=Conduct.choices)
    facts = models.TextField(_("违法事实"))
    requirements = models.TextField(_("改正要求"))
    deadline = models.DateField(_("改正期限"))
    issued_on = models.DateField(_("下达日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("签发人")
    )
    finding = models.OneToOneField(
        "supervision.Finding",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction_order",
        verbose_name=_("整改跟踪"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责令改正通知书")
        verbose_name_plural = _("责令改正通知书")
        ordering = ["issued_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=F("issued_on")), name="order_deadline_after_issue")
        ]

    def __str__(self) -> str:
        return self.number


class HandlingDecision(RevocableDocument):
    """第十五条: 处理决定书 — the decision on the problems an inspection found."""

    inspection = models.ForeignKey(
        FundInspection, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("基金监督检查")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("被处理单位"))
    number = models.CharField(_("文号"), max_length=50, unique=True)
    facts = models.TextField(_("查明的事实"))
    basis = models.TextField(_("处理依据"))
    decision = models.TextField(_("处理决定"))
    decided_on = models.DateField(_("决定日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("签发人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("处理决定书")
        verbose_name_plural = _("处理决定书")
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return self.number


# ---------------------------------------------------------------------------------------------
# 第十二条（四）、第十五条: public disclosure of fund-inspection results
# ---------------------------------------------------------------------------------------------


def new_public_id() -> str:
    """An unguessable public identifier: the public never sees our sequential primary keys.

    Hex, so that it never starts like a spreadsheet formula ("-", "=") and reaches CSV exports unchanged.
    """
    return secrets.token_hex(12)


class DisclosureQuerySet(models.QuerySet["Disclosure"]):
    def published(self) -> DisclosureQuerySet:
        return self.filter(status=Disclosure.Status.PUBLISHED)


class Disclosure(models.Model):
    """What the public may read of one fund inspection: a snapshot taken when an approver publishes it.

    Public pages read this table only, never the inspection itself, so nothing but the approved text
    and figures can ever reach an anonymous visitor.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", _("已公开")
        WITHDRAWN = "withdrawn", _("已撤回")

    inspection = models.OneToOneField(
        FundInspection, on_delete=models.PROTECT, related_name="disclosure", verbose_name=_("基金监督检查")
    )
    public_id = models.CharField(_("公开编号"), max_length=32, unique=True, default=new_public_id, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    title = models.CharField(_("公开标题"), max_length=200)
    summary = models.TextField(_("公开摘要"))
    year = models.PositiveSmallIntegerField(_("检查年度"))
    organiser_name = models.CharField(_("检查机关"), max_length=100)
    agencies_text = models.CharField(_("被检查单位"), max_length=500)
    divisions = models.ManyToManyField(Division, related_name="+", verbose_name=_("涉及县（市、区）"))
    period_start = models.DateField(_("检查所属期起"))
    period_end = models.DateField(_("检查所属期止"))
    inspected_from = models.DateField(_("检查开始日期"))
    inspected_to = models.DateField(_("检查结束日期"))
    finding_count = models.PositiveIntegerField(_("发现问题数"))
    rectified_count = models.PositiveIntegerField(_("已整改销号数"))
    decision_count = models.PositiveIntegerField(_("处理决定数"))
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准公开人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdraw_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("最后变更时间"), default=timezone.now, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("基金监督检查结果公开")
        verbose_name_plural = _("基金监督检查结果公开")
        ordering = ["-published_at", "-pk"]
        permissions = [("publish_disclosure", _("可批准公开社会保险基金监督检查结果"))]
        indexes = [models.Index(fields=["status", "year"], name="disclosure_status_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def withdraw(self, by: Any, reason: str) -> None:
        if self.status != self.Status.PUBLISHED:
            raise TransitionNotAllowed(_("该结果未处于公开状态。"))
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = timezone.now()
        self.withdrawn_by = by
        self.withdraw_reason = reason
        self.changed_at = self.withdrawn_at
