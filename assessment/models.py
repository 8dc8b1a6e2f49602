"""The annual dual-100-point assessment (第四条：基础管理和目标管理考核双百分考核).

One `AssessmentYear` per city and year carries the two tracks' weights, the scoring window and the
catalogue (`CatalogueItem`, 6 basic and 8 target items whose maximum points sum to 100 per track).
Opening the year creates one `Assessment` per county agency with an empty `Score` per item. The
city bureau's assessor scores the basic track; the assessment team (`Team`) assigned the county
scores the target track on site (`SiteVisit`); for a vertically managed county the bureau may
authorise the city agency instead (`Delegation`), whose confirmed result is then filed (`Filing`).
A confirmed result is locked; the county head may raise an `Objection`; any change is a reasoned
reopening. January reports (`Report`) are rendered by Celery (`ReportRun`) and verifiable by code.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models import Agency, City
from supervision.workflow import TransitionNotAllowed

from .scoring import DEFAULT_BASIC_WEIGHT, DEFAULT_TARGET_WEIGHT, TRACK_TOTAL


class Track(models.TextChoices):
    """The two tracks of 第四条, each scored out of 100."""

    BASIC = "basic", _("基础管理")
    TARGET = "target", _("目标管理")


def default_deadline(year: int) -> datetime.date:
    """第四条: the year-end assessment is completed in January of the following year."""
    return datetime.date(year + 1, 1, 31)


def default_opens_on(year: int) -> datetime.date:
    return datetime.date(year, 12, 1)


class AssessmentYearQuerySet(models.QuerySet["AssessmentYear"]):
    def for_city(self, city: City | int) -> AssessmentYearQuerySet:
        return self.filter(city=city)


class AssessmentYear(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("筹备中")
        SCORING = "scoring", _("考核中")
        PUBLISHED = "published", _("已公布")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="assessment_years", verbose_name=_("设区市"))
    year = models.PositiveSmallIntegerField(_("考核年度"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PREPARING)
    basic_weight = models.DecimalField(_("基础管理权重"), max_digits=4, decimal_places=3, default=DEFAULT_BASIC_WEIGHT)
    target_weight = models.DecimalField(
        _("目标管理权重"), max_digits=4, decimal_places=3, default=DEFAULT_TARGET_WEIGHT
    )
    scoring_opens_on = models.DateField(_("评分开始日期"))
    deadline = models.DateField(_("评分截止日期"), help_text=_("第四条：年终考核在次年一月份完成。"))
    objection_days = models.PositiveSmallIntegerField(
        _("异议期（天）"), default=10, help_text=_("考核结果确认后，县经办机构负责人可在此期限内提出异议。")
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("复制自")
    )
    opened_at = models.DateTimeField(_("开始考核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公布人"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    history = HistoricalRecords()

    objects = AssessmentYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核年度")
        verbose_name_plural = _("考核年度")
        ordering = ["city", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="assessment_year_once_per_city"),
            models.CheckConstraint(
                condition=Q(basic_weight__gte=0, target_weight__gte=0),
                name="assessment_year_weights_not_negative",
            ),
            # Weights carry three decimal places, so any sum strictly inside (0.9995, 1.0005) is
            # exactly 1.000; the band keeps SQLite (which adds decimals as floats) honest too.
            models.CheckConstraint(
                condition=GreaterThan(F("basic_weight") + F("target_weight"), Decimal("0.9995"))
                & LessThan(F("basic_weight") + F("target_weight"), Decimal("1.0005")),
                name="assessment_year_weights_sum_to_one",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("scoring_opens_on")), name="assessment_year_deadline_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return _("%(year)s年度") % {"year": self.year}

    @property
    def weights(self) -> dict[str, Decimal]:
        return {Track.BASIC: self.basic_weight, Track.TARGET: self.target_weight}

    @property
    def is_editable_catalogue(self) -> bool:
        return self.status == self.Status.PREPARING

    def is_past_deadline(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.deadline

    def open(self) -> None:
        if self.status != self.Status.PREPARING:
            raise TransitionNotAllowed(_("只有筹备中的考核年度可以开始考核。"))
        self.status = self.Status.SCORING
        self.opened_at = timezone.now()

    def publish(self, by: Any) -> None:
        if self.status == self.Status.PREPARING:
            raise TransitionNotAllowed(_("考核尚未开始，不能公布。"))
        self.status = self.Status.PUBLISHED
        self.published_at = timezone.now()
        self.published_by = by


class CatalogueItem(models.Model):
    """One assessment item of a year and track: its maximum points and how points are deducted."""

    year = models.ForeignKey(AssessmentYear, on_delete=models.CASCADE, related_name="items", verbose_name=_("考核年度"))
    track = models.CharField(_("考核类别"), max_length=10, choices=Track.choices)
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("考核内容"), max_length=50)
    max_points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    description = models.TextField(_("考核要点"), blank=True)
    deduction_rule = models.TextField(_("扣分规则"), blank=True, help_text=_("如“每发现一例扣2分，扣完为止”。"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["year", "track", "position"]
        constraints = [
            models.UniqueConstraint(fields=["year", "track", "name"], name="catalogue_item_unique_name"),
            models.UniqueConstraint(fields=["year", "track", "position"], name="catalogue_item_unique_position"),
            models.CheckConstraint(
                condition=Q(max_points__gt=0, max_points__lte=TRACK_TOTAL), name="catalogue_item_max_points_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_track_display()} · {self.name}"


class CatalogueSubItem(models.Model):
    """An optional breakdown of an item (e.g. 优质服务 → 限时办结制): guidance for scorers and reports."""

    item = models.ForeignKey(
        CatalogueItem, on_delete=models.CASCADE, related_name="sub_items", verbose_name=_("考核项目")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("细项"), max_length=100)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    deduction_rule = models.CharField(_("扣分规则"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核细项")
        verbose_name_plural = _("考核细项")
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="catalogue_sub_item_unique_position"),
            models.CheckConstraint(
                condition=Q(points__gt=0, points__lte=TRACK_TOTAL), name="catalogue_sub_item_points_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """An assessment team (考核小组) of one year: it scores the target track of its assigned counties."""

    year = models.ForeignKey(AssessmentYear, on_delete=models.CASCADE, related_name="teams", verbose_name=_("考核年度"))
    name = models.CharField(_("小组名称"), max_length=50)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("组长"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("组建时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核小组")
        verbose_name_plural = _("考核小组")
        ordering = ["year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="team_unique_name_per_year")]

    def __str__(self) -> str:
        return self.name


class TeamMemberQuerySet(models.QuerySet["TeamMember"]):
    def active(self) -> TeamMemberQuerySet:
        return self.filter(removed_at__isnull=True)


class TeamMember(models.Model):
    """A member of a team; removal keeps the row (who was on the team, and until when)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("考核小组"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessment_teams", verbose_name=_("成员")
    )
    added_at = models.DateTimeField(_("加入时间"), default=timezone.now)
    removed_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    history = HistoricalRecords()

    objects = TeamMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核小组成员")
        verbose_name_plural = _("考核小组成员")
        ordering = ["team", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(removed_at__isnull=True), name="team_member_once_while_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.user}"


RESULT_STATES = ("confirmed", "filed", "published")
EDITABLE_STATES = ("draft", "scoring")


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def with_results(self) -> AssessmentQuerySet:
        """Confirmed (and locked) results: those that count in rankings and reports."""
        return self.filter(status__in=RESULT_STATES)

    def in_progress(self) -> AssessmentQuerySet:
        return self.filter(status__in=EDITABLE_STATES)

    def with_list_relations(self) -> AssessmentQuerySet:
        return self.select_related("year", "agency", "agency__division", "team")


class Assessment(models.Model):
    """One county agency's assessment in one year: draft → scoring → submitted → confirmed → filed/published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待评分")
        SCORING = "scoring", _("评分中")
        SUBMITTED = "submitted", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        FILED = "filed", _("已备案")
        PUBLISHED = "published", _("已公布")

    year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("考核年度")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("被考核单位")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("目标管理考核小组"),
    )
    # Stored results, recomputable from the scores and the year's weights (see scoring.compute_result).
    basic_total = models.DecimalField(_("基础管理得分"), max_digits=5, decimal_places=2, default=Decimal("0.00"))
    target_total = models.DecimalField(_("目标管理得分"), max_digits=5, decimal_places=2, default=Decimal("0.00"))
    final_score = models.DecimalField(
        _("最终得分"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("两项得分均评完后计算。")
    )
    basic_submitted_at = models.DateTimeField(_("基础管理评分提交时间"), null=True, blank=True)
    basic_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("基础管理评分提交人"),
    )
    target_submitted_at = models.DateTimeField(_("目标管理评分提交时间"), null=True, blank=True)
    target_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("目标管理评分提交人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    objection_deadline = models.DateField(_("异议截止日期"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["year", "agency__division__code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "agency"], name="assessment_once_per_agency_year"),
            models.CheckConstraint(
                condition=Q(basic_total__gte=0, basic_total__lte=TRACK_TOTAL)
                & Q(target_total__gte=0, target_total__lte=TRACK_TOTAL),
                name="assessment_totals_in_range",
            ),
            models.CheckConstraint(
                condition=Q(final_score__isnull=True) | Q(final_score__gte=0, final_score__lte=TRACK_TOTAL),
                name="assessment_final_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=RESULT_STATES) | Q(final_score__isnull=False, confirmed_at__isnull=False),
                name="assessment_result_has_final",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="assessment_year_status")]

    def __str__(self) -> str:
        return f"{self.year} · {self.agency}"

    @property
    def has_result(self) -> bool:
        return self.status in RESULT_STATES

    @property
    def is_locked(self) -> bool:
        return self.status not in EDITABLE_STATES

    def submitted_at(self, track: str) -> datetime.datetime | None:
        return self.basic_submitted_at if track == Track.BASIC else self.target_submitted_at

    def track_is_open(self, track: str) -> bool:
        return self.status in EDITABLE_STATES and self.submitted_at(track) is None

    def objection_window_open(self, today: datetime.date | None = None) -> bool:
        return (
            self.status in (self.Status.CONFIRMED, self.Status.FILED)
            and self.objection_deadline is not None
            and (today or timezone.localdate()) <= self.objection_deadline
        )

    # Transitions: they refuse illegal moves; the actions check who may make them.

    def start_scoring(self) -> None:
        if self.status == self.Status.DRAFT:
            self.status = self.Status.SCORING
        elif self.status != self.Status.SCORING:
            raise TransitionNotAllowed(_("考核结果已锁定，不能修改评分。如需修改，请先说明理由重新打开。"))

    def submit_track(self, track: str, by: Any, *, complete: bool, at: datetime.datetime | None = None) -> None:
        if self.status not in EDITABLE_STATES:
            raise TransitionNotAllowed(_("只有评分中的考核可以提交评分。"))
        if self.submitted_at(track) is not None:
            raise TransitionNotAllowed(_("该类别的评分已经提交。"))
        if not complete:
            raise TransitionNotAllowed(_("还有未评分的项目，全部评完后才能提交。"))
        now = at or timezone.now()
        if track == Track.BASIC:
            self.basic_submitted_at, self.basic_submitted_by = now, by
        else:
            self.target_submitted_at, self.target_submitted_by = now, by
        self.status = (
            self.Status.SUBMITTED if self.basic_submitted_at and self.target_submitted_at else self.Status.SCORING
        )

    def confirm(self, by: Any, objection_days: int) -> None:
        if self.status != self.Status.SUBMITTED:
            raise TransitionNotAllowed(_("两项评分均已提交后才能确认考核结果。"))
        if self.final_score is None:
            raise TransitionNotAllowed(_("最终得分尚未算出，不能确认。"))
        self.status = self.Status.CONFIRMED
        self.confirmed_at = timezone.now()
        self.confirmed_by = by
        self.objection_deadline = timezone.localdate(self.confirmed_at) + datetime.timedelta(days=objection_days)

    def mark_filed(self) -> None:
        if self.status != self.Status.CONFIRMED:
            raise TransitionNotAllowed(_("只有已确认的考核结果可以备案。"))
        self.status = self.Status.FILED

    def publish(self, *, delegated: bool) -> None:
        needed = self.Status.FILED if delegated else self.Status.CONFIRMED
        if self.status != needed:
            raise TransitionNotAllowed(
                _("%(agency)s 的考核结果尚未确认或尚未备案，不能公布。") % {"agency": self.agency}
            )
        self.status = self.Status.PUBLISHED

    def reopen(self, tracks: list[str]) -> None:
        if self.status not in (self.Status.SUBMITTED, *RESULT_STATES):
            raise TransitionNotAllowed(_("只有已提交或已确认的考核可以重新打开。"))
        if not tracks:
            raise TransitionNotAllowed(_("请选择需要重新评分的类别。"))
        for track in tracks:
            if track == Track.BASIC:
                self.basic_submitted_at, self.basic_submitted_by = None, None
            else:
                self.target_submitted_at, self.target_submitted_by = None, None
        self.status = self.Status.SCORING
        self.confirmed_at = None
        self.confirmed_by = None
        self.objection_deadline = None
        self.reopen_count += 1


class ScoreQuerySet(models.QuerySet["Score"]):
    def scored(self) -> ScoreQuerySet:
        return self.filter(points__isnull=False)

    def for_track(self, track: str) -> ScoreQuerySet:
        return self.filter(item__track=track)


class Score(models.Model):
    """The points one assessment gets for one catalogue item; empty until scored."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("年度考核")
    )
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="scores", verbose_name=_("考核项目"))
    # The item's maximum, copied when the year opens (the catalogue is frozen from then on), so that
    # the database itself refuses points above it.
    max_points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评分说明"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评分人"),
    )
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["assessment", "item__track", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="score_once_per_item"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | (Q(points__gte=0) & Q(points__lte=F("max_points"))),
                name="score_between_zero_and_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.item.name}"

    @property
    def deducted(self) -> Decimal | None:
        return None if self.points is None else self.max_points - self.points


class SiteVisit(models.Model):
    """实地考察: a team's on-site inspection of a county for the target track."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="site_visits", verbose_name=_("年度考核")
    )
    visited_on = models.DateField(_("考察日期"))
    place = models.CharField(_("考察地点"), max_length=200)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("参加人员"))
    notes = models.TextField(_("考察情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废理由"), max_length=200, blank=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("实地考察")
        verbose_name_plural = _("实地考察")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.assessment.agency} {self.visited_on}"


class Delegation(models.Model):
    """第四条: the city bureau authorises the city agency to assess a vertically managed county."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="delegations", verbose_name=_("年度考核")
    )
    delegate_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("受托单位"))
    delegates = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("受托考核人员"))
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("授权人")
    )
    authorised_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    note = models.TextField(_("授权说明"), blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.CharField(_("撤销理由"), max_length=300, blank=True)
    history = HistoricalRecords(m2m_fields=[delegates])

    class Meta:
        verbose_name = _("授权代为考核")
        verbose_name_plural = _("授权代为考核")
        ordering = ["-authorised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(revoked_at__isnull=True), name="delegation_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} → {self.delegate_agency}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Filing(models.Model):
    """备案: the delegated result reported to the city bureau, which acknowledges it."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="filings", verbose_name=_("年度考核")
    )
    final_score = models.DecimalField(_("报送的最终得分"), max_digits=5, decimal_places=2)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("报送人")
    )
    filed_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    note = models.TextField(_("报送说明"), blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("备案人"),
    )
    acknowledged_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    acknowledgement = models.TextField(_("备案意见"), blank=True)
    superseded = models.BooleanField(_("已因重新打开失效"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核结果备案")
        verbose_name_plural = _("考核结果备案")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(acknowledged_at__isnull=True, superseded=False),
                name="filing_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.filed_at:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.acknowledged_at is None and not self.superseded


class ObjectionQuerySet(models.QuerySet["Objection"]):
    def open(self) -> ObjectionQuerySet:
        return self.filter(status=Objection.Status.OPEN)


class Objection(models.Model):
    """异议: the county head contests a confirmed result, item by item; the assessor answers."""

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        UPHELD = "upheld", _("异议成立，已重新打开评分")
        REJECTED = "rejected", _("维持原评分")
        WITHDRAWN = "withdrawn", _("已撤回")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="objections", verbose_name=_("年度考核")
    )
    items = models.ManyToManyField(CatalogueItem, blank=True, related_name="+", verbose_name=_("有异议的项目"))
    text = models.TextField(_("异议内容"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("答复意见"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords(m2m_fields=[items])

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核异议")
        verbose_name_plural = _("考核异议")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["assessment", "status"], name="objection_assessment_status")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.get_status_display()}"

    def answer_with(self, *, upheld: bool, text: str, by: Any) -> None:
        if self.status != self.Status.OPEN:
            raise TransitionNotAllowed(_("该异议已处理。"))
        self.status = self.Status.UPHELD if upheld else self.Status.REJECTED
        self.answer = text
        self.answered_by = by
        self.answered_at = timezone.now()

    def withdraw(self) -> None:
        if self.status != self.Status.OPEN:
            raise TransitionNotAllowed(_("该异议已处理，不能撤回。"))
        self.status = self.Status.WITHDRAWN


class ScoreImport(models.Model):
    """One upload of scores from Excel/CSV: previewed first, applied all at once or not at all."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("已预览，待确认")
        APPLIED = "applied", _("已导入")
        REFUSED = "refused", _("有错误，未导入")
        CANCELLED = "cancelled", _("已取消")

    year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="imports", verbose_name=_("考核年度")
    )
    file = models.FileField(_("文件"), upload_to="imports/assessment/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256 校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    changed_rows = models.PositiveIntegerField(_("变更行数"), default=0)
    # {score id: version seen in the preview}: applying refuses if anyone changed a score since.
    seen_versions = models.JSONField(_("预览时的评分版本"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    preview = models.JSONField(_("预览"), default=list, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评分导入")
        verbose_name_plural = _("评分导入")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name


def new_verification_code() -> str:
    """16 characters from an alphabet without look-alikes, in groups of four: 80 bits, unguessable."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[index : index + 4] for index in range(0, 16, 4))


def report_path(instance: Report, filename: str) -> str:
    return f"reports/assessment/{instance.year.year}/{secrets.token_hex(16)}.pdf"


class ReportRun(models.Model):
    """One generation of a year's reports ("generate now" or the January beat), fanned out to workers."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("手动生成")
        SCHEDULE = "schedule", _("定时生成")

    year = models.ForeignKey(
        AssessmentYear, on_delete=models.CASCADE, related_name="report_runs", verbose_name=_("考核年度")
    )
    trigger = models.CharField(_("触发方式"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    # Set once the run's tasks reached the queue; empty while Redis was down (beat queues it later).
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # Set by reports.start_run once committed: Redis did not take the run (the button says so).
    queue_unavailable = False

    class Meta:
        verbose_name = _("报告生成批次")
        verbose_name_plural = _("报告生成批次")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class ReportRunEntry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="entries", verbose_name=_("生成批次"))
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("年度考核")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    report = models.ForeignKey(
        "Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("报告")
    )
    reused = models.BooleanField(_("沿用已有版本"), default=False)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报告生成明细")
        verbose_name_plural = _("报告生成明细")
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "assessment"], name="report_entry_once_per_assessment"),
            models.UniqueConstraint(
                fields=["run"], condition=Q(assessment__isnull=True), name="report_entry_one_summary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.assessment or _('全市汇总')}"


class ReportQuerySet(models.QuerySet["Report"]):
    def latest_per_subject(self) -> ReportQuerySet:
        newer = Report.objects.filter(
            subject_key=models.OuterRef("subject_key"), version__gt=models.OuterRef("version")
        )
        return self.exclude(models.Exists(newer))


class Report(models.Model):
    """A rendered January report: one version per distinct set of inputs, never overwritten."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("县（市、区）考核报告")
        SUMMARY = "summary", _("全市考核汇总报告")

    year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="reports", verbose_name=_("考核年度")
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("年度考核")
    )
    kind = models.CharField(_("报告类型"), max_length=10, choices=Kind.choices)
    subject_key = models.CharField(_("报告对象"), max_length=40, editable=False)
    version = models.PositiveIntegerField(_("版本号"))
    input_hash = models.CharField(_("输入数据摘要"), max_length=64)
    verification_code = models.CharField(_("核验码"), max_length=19, unique=True, default=new_verification_code)
    snapshot_at = models.DateTimeField(_("数据截至时间"))
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    file = models.FileField(_("文件"), upload_to=report_path, max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    final_score = models.DecimalField(_("报告所列最终得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("报告所列排名"), null=True, blank=True)
    county_count = models.PositiveSmallIntegerField(_("参与排名单位数"), default=0)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核报告")
        verbose_name_plural = _("考核报告")
        ordering = ["year", "kind", "subject_key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["subject_key", "version"], name="report_unique_version"),
            models.CheckConstraint(
                condition=(Q(kind="county") & Q(assessment__isnull=False))
                | (Q(kind="summary") & Q(assessment__isnull=True)),
                name="report_subject_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        subject = self.assessment.agency if self.assessment_id else _("全市汇总")
        return f"{self.year} · {subject} · v{self.version}"

    @staticmethod
    def key_for(year: AssessmentYear, assessment: Assessment | None) -> str:
        return f"county-{assessment.pk}" if assessment is not None else f"summary-{year.pk}"

    def filename(self) -> str:
        subject = self.assessment.agency.name if self.assessment_id else _("全市汇总")
        return f"{self.year.year}年度双百分考核报告-{subject}-第{self.version}版.pdf"
