"""Work style, attendance and leave (第五条): daily sign-in, leave and going-out, discipline visits.

每天签到考勤: one sign-in per person per working day, its time, address and browser kept.
请销假和外出报备: a request (kind, period with half-day precision, reason, destination, contact)
is approved by the agency's head — or by whoever presides while the head is away — and a county
head's own leave by the city agency's main leader, named acting person (主持工作) required, filed
(备案) with the city agency's office and personnel section. 销假 records the actual return.
明察暗访、定期检查: a visit's observations set against who signed in and who had approved leave.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models.events import ThreadEvent
from supervision.models.findings import Finding
from supervision.models.org import Agency, City, Person
from supervision.workflow import TransitionNotAllowed

NOON = datetime.time(12, 0)


class Half(models.TextChoices):
    """Half-day precision: a period starts and ends on a morning or an afternoon."""

    AM = "am", _("上午")
    PM = "pm", _("下午")


def slot(day: datetime.date, half: str) -> int:
    """A half-day as one ordered number: (day, 上午) < (day, 下午) < (next day, 上午)."""
    return day.toordinal() * 2 + (1 if half == Half.PM else 0)


def slot_of(moment: datetime.datetime) -> int:
    local = timezone.localtime(moment)
    return slot(local.date(), Half.AM if local.time() < NOON else Half.PM)


def slot_start(value: int) -> datetime.datetime:
    day = datetime.date.fromordinal(value // 2)
    return timezone.make_aware(datetime.datetime.combine(day, NOON if value % 2 else datetime.time.min))


class AttendancePolicy(models.Model):
    """A city's attendance rules; a city without a row uses the defaults."""

    city = models.OneToOneField(
        City, on_delete=models.CASCADE, related_name="attendance_policy", verbose_name=_("设区市")
    )
    head_notice_hours = models.PositiveSmallIntegerField(
        _("负责同志请假提前时间（小时）"),
        default=24,
        help_text=_("第五条：主要负责同志外出或因事请假需提前履行请假手续。请假开始时间须晚于提交时间至少这么多小时。"),
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("迟到宽限（分钟）"), default=0, help_text=_("上班时间后多少分钟内签到不计迟到。")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考勤规则")
        verbose_name_plural = _("考勤规则")

    def __str__(self) -> str:
        return str(self.city)

    @classmethod
    def for_city(cls, city: City | int) -> AttendancePolicy:
        city_id = city if isinstance(city, int) else city.pk
        return cls.objects.filter(city_id=city_id).first() or cls(city_id=city_id)


# (name, symbol, category, order): the kinds every city starts with; migration 0007 creates them.
DEFAULT_LEAVE_KINDS = [
    ("事假", "事", "leave", 10),
    ("病假", "病", "leave", 20),
    ("年休假", "年", "leave", 30),
    ("婚假", "婚", "leave", 40),
    ("丧假", "丧", "leave", 50),
    ("产假", "产", "leave", 60),
    ("探亲假", "探", "leave", 70),
    ("外出", "外", "outing", 80),
    ("出差", "差", "outing", 90),
]


class LeaveKindQuerySet(models.QuerySet["LeaveKind"]):
    def active(self) -> LeaveKindQuerySet:
        return self.filter(is_active=True)

    def ensure_defaults(self) -> None:
        """Create any missing default kind (a database flushed by tests, a fresh demo); never changes one."""
        existing = set(self.model.objects.values_list("name", flat=True))
        for name, symbol, category, order in DEFAULT_LEAVE_KINDS:
            if name not in existing:
                self.model.objects.create(name=name, symbol=symbol, category=category, order=order)


class LeaveKind(models.Model):
    """事假、病假、年休假… and 外出、出差: configurable by the system administrator."""

    class Category(models.TextChoices):
        LEAVE = "leave", _("请假")
        OUTING = "outing", _("外出报备")

    name = models.CharField(_("名称"), max_length=20, unique=True)
    symbol = models.CharField(_("考勤表符号"), max_length=2, help_text=_("月度考勤表中代表该类别的一个字，如“事”。"))
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices, default=Category.LEAVE)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    objects = LeaveKindQuerySet.as_manager()

    class Meta:
        verbose_name = _("请假类别")
        verbose_name_plural = _("请假类别")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_outing(self) -> bool:
        return self.category == self.Category.OUTING


class SignIn(models.Model):
    """One person's sign-in of one day: the first click counts, a second changes nothing."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sign_ins", verbose_name=_("人员"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sign_ins", verbose_name=_("单位"))
    date = models.DateField(_("日期"))
    signed_at = models.DateTimeField(_("签到时间"))
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    imported_from = models.ForeignKey(
        "AttendanceImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_ins",
        verbose_name=_("导入批次"),
        help_text=_("由考勤机记录导入时，所属的导入文件。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["-date", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["person", "date"], name="sign_in_once_per_day")]
        indexes = [
            models.Index(fields=["agency", "date"], name="sign_in_agency_date"),
            # The city's day (attendance overview) reads one date across every agency.
            models.Index(fields=["date"], name="sign_in_date"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.date}"


class AttendanceImport(models.Model):
    """One upload of an attendance machine's sign-in records: previewed, then applied all at once or not at all."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("已预览，待确认")
        QUEUED = "queued", _("已确认，后台导入中")
        APPLIED = "applied", _("已导入")
        REFUSED = "refused", _("有错误，未导入")
        CANCELLED = "cancelled", _("已取消")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="attendance_imports", verbose_name=_("单位")
    )
    file = models.FileField(_("文件"), upload_to="imports/attendance/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256 校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增签到数"), default=0)
    present_count = models.PositiveIntegerField(_("已有或重复行数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # The first rows of each kind, for the preview page (the file itself is the full record).
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("已写入签到数"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考勤机记录导入")
        verbose_name_plural = _("考勤机记录导入")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.QUEUED


class LeaveQuerySet(models.QuerySet["Leave"]):
    def granted(self) -> LeaveQuerySet:
        """Leaves that were approved (running, returned or filed): what counts for attendance."""
        return self.filter(status__in=Leave.GRANTED)

    def pending(self) -> LeaveQuerySet:
        return self.filter(status=Leave.Status.SUBMITTED)

    def touching(self, start: datetime.date, end: datetime.date) -> LeaveQuerySet:
        return self.filter(start_date__lte=end, end_date__gte=start)

    def not_returned(self) -> LeaveQuerySet:
        return self.filter(status=Leave.Status.APPROVED)

    def overdue_return(self, today: datetime.date | None = None) -> LeaveQuerySet:
        """Approved, past the day the person was due back, and no 销假 recorded."""
        return self.not_returned().filter(due_back_on__lt=today or timezone.localdate())

    def away_at(self, moment: datetime.datetime) -> LeaveQuerySet:
        """Granted leaves whose person is away at `moment`: started, and no return recorded before it."""
        local = timezone.localtime(moment)
        today = local.date()
        started = Q(start_date__lt=today) | Q(start_date=today, start_half=Half.AM)
        if local.time() >= NOON:
            started |= Q(start_date=today)
        return self.granted().filter(started).filter(Q(returned_at__isnull=True) | Q(returned_at__gt=moment))

    def presiding_at(self, moment: datetime.datetime) -> LeaveQuerySet:
        """Heads' leaves during which the acting person presides at `moment`."""
        return self.away_at(moment).filter(is_head_leave=True, acting_person__isnull=False)

    def with_list_relations(self) -> LeaveQuerySet:
        return self.select_related("person", "agency", "agency__division", "kind", "acting_person")


class Leave(models.Model):
    """A leave (请假) or going-out report (外出报备) and its 请销假报告单."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")
        WITHDRAWN = "withdrawn", _("已撤回")
        RETURNED = "returned", _("已销假")
        FILED = "filed", _("已归档")

    class Level(models.TextChoices):
        AGENCY = "agency", _("本单位主要负责同志（或主持工作的同志）")
        CITY = "city", _("市社会保险经办机构主要领导")

    GRANTED = (Status.APPROVED, Status.RETURNED, Status.FILED)
    OPEN = (Status.SUBMITTED, Status.APPROVED, Status.RETURNED, Status.FILED)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="leaves", verbose_name=_("请假人"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="leaves", verbose_name=_("所在单位"))
    kind = models.ForeignKey(LeaveKind, on_delete=models.PROTECT, related_name="leaves", verbose_name=_("请假类别"))
    start_date = models.DateField(_("开始日期"))
    start_half = models.CharField(_("开始于"), max_length=2, choices=Half.choices, default=Half.AM)
    end_date = models.DateField(_("结束日期"))
    end_half = models.CharField(_("结束于"), max_length=2, choices=Half.choices, default=Half.PM)
    working_days = models.DecimalField(_("工作日天数"), max_digits=5, decimal_places=1, default=Decimal("0"))
    reason = models.TextField(_("事由"))
    destination = models.CharField(_("外出地点"), max_length=200, blank=True)
    contact = models.CharField(_("外出期间联系方式"), max_length=100)
    is_head_leave = models.BooleanField(_("主要负责同志请假"), default=False)
    approval_level = models.CharField(_("审批层级"), max_length=10, choices=Level.choices, default=Level.AGENCY)
    acting_person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acting_leaves",
        verbose_name=_("主持工作的同志"),
        help_text=_("第五条：外出期间，需确定1名负责同志主持工作。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leaves_decided",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    due_back_on = models.DateField(
        _("应销假日期"), null=True, blank=True, help_text=_("批准的期间结束后第一个上班的半天所在日期。")
    )
    returned_at = models.DateTimeField(_("实际返岗时间"), null=True, blank=True)
    returned_late = models.BooleanField(_("逾期销假"), default=False)
    return_note = models.TextField(_("销假说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = LeaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("请假与外出报备")
        verbose_name_plural = _("请假与外出报备")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["agency", "start_date", "end_date"], name="leave_agency_period"),
            models.Index(fields=["person", "start_date"], name="leave_person_start"),
            models.Index(fields=["status", "due_back_on"], name="leave_status_due_back"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date"))
                | (Q(end_date=models.F("start_date")) & ~Q(start_half="pm", end_half="am")),
                name="leave_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.kind} · {self.period_display}"

    # The period, half-day by half-day.
    @property
    def start_slot(self) -> int:
        return slot(self.start_date, self.start_half)

    @property
    def end_slot(self) -> int:
        return slot(self.end_date, self.end_half)

    @property
    def start_moment(self) -> datetime.datetime:
        return slot_start(self.start_slot)

    def granted_slots(self) -> range:
        """The half-days this leave excuses: none unless approved; up to the return when back early."""
        if self.status not in self.GRANTED:
            return range(0)
        end = self.end_slot
        if self.returned_at is not None:
            end = min(end, slot_of(self.returned_at))
        return range(self.start_slot, end + 1)

    def occupied_slots(self) -> range:
        """The half-days this request claims, for refusing overlapping requests."""
        if self.status not in self.OPEN:
            return range(0)
        if self.status == self.Status.SUBMITTED:
            return range(self.start_slot, self.end_slot + 1)
        return self.granted_slots()

    def overlaps(self, start_slot: int, end_slot: int) -> bool:
        slots = self.occupied_slots()
        return bool(slots) and slots.start <= end_slot and start_slot <= slots.stop - 1

    @property
    def period_display(self) -> str:
        start = f"{self.start_date:%Y-%m-%d} {Half(self.start_half).label}"
        end = f"{self.end_date:%Y-%m-%d} {Half(self.end_half).label}"
        return f"{start} — {end}"

    @property
    def is_overdue_return(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.due_back_on is not None
            and self.due_back_on < timezone.localdate()
        )

    @property
    def is_late(self) -> bool:
        """A return later than approved, recorded or still outstanding (flagged on lists)."""
        return self.returned_late or self.is_overdue_return

    # Transitions.
    def approve(self, *, by: object, note: str, due_back_on: datetime.date) -> None:
        if self.status != self.Status.SUBMITTED:
            raise TransitionNotAllowed(_("只有待审批的申请可以批准。"))
        self.status = self.Status.APPROVED
        self.decided_by = by
        self.decided_at = timezone.now()
        self.decision_note = note
        self.due_back_on = due_back_on

    def reject(self, *, by: object, reason: str) -> None:
        if self.status != self.Status.SUBMITTED:
            raise TransitionNotAllowed(_("只有待审批的申请可以不予批准。"))
        if not reason.strip():
            raise TransitionNotAllowed(_("不予批准须写明理由。"))
        self.status = self.Status.REJECTED
        self.decided_by = by
        self.decided_at = timezone.now()
        self.decision_note = reason

    def withdraw(self) -> None:
        if self.status != self.Status.SUBMITTED:
            raise TransitionNotAllowed(_("只有尚未审批的申请可以撤回。"))
        self.status = self.Status.WITHDRAWN

    def record_return(self, *, at: datetime.datetime, note: str) -> None:
        if self.status != self.Status.APPROVED:
            raise TransitionNotAllowed(_("只有已批准、尚未销假的请假可以销假。"))
        if at > timezone.now() + datetime.timedelta(minutes=5):
            raise TransitionNotAllowed(_("实际返岗时间不能晚于现在。"))
        if at < self.submitted_at.replace(second=0, microsecond=0):  # the form gives minutes
            raise TransitionNotAllowed(_("实际返岗时间不能早于提交申请的时间。"))
        self.status = self.Status.RETURNED
        self.returned_at = at
        self.return_note = note
        self.returned_late = bool(self.due_back_on and timezone.localdate(at) > self.due_back_on)

    def file(self) -> None:
        if self.status != self.Status.RETURNED:
            raise TransitionNotAllowed(_("只有已销假的请假可以归档。"))
        self.status = self.Status.FILED


class LeaveEvent(ThreadEvent):
    """One line of the approval trail printed on the 请销假报告单."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交申请")
        APPROVED = "approved", _("批准")
        REJECTED = "rejected", _("不予批准")
        WITHDRAWN = "withdrawn", _("撤回")
        ACKNOWLEDGED = "acknowledged", _("备案确认")
        RETURNED = "returned", _("销假")
        FILED = "filed", _("归档")

    leave = models.ForeignKey(Leave, on_delete=models.CASCADE, related_name="events", verbose_name=_("请假"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)

    class Meta(ThreadEvent.Meta):
        verbose_name = _("请销假记录")
        verbose_name_plural = _("请销假记录")


class LeaveFiling(models.Model):
    """备案: a head's approved leave as filed with the city agency's office and its personnel section."""

    class Section(models.TextChoices):
        OFFICE = "office", _("办公室")
        PERSONNEL = "personnel", _("人事科")

    leave = models.ForeignKey(Leave, on_delete=models.CASCADE, related_name="filings", verbose_name=_("请假"))
    section = models.CharField(_("备案部门"), max_length=10, choices=Section.choices)
    filed_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("请假备案")
        verbose_name_plural = _("请假备案")
        ordering = ["-filed_at", "section"]
        constraints = [models.UniqueConstraint(fields=["leave", "section"], name="leave_filed_once_per_section")]

    def __str__(self) -> str:
        return f"{self.leave} · {self.get_section_display()}"

    def acknowledge(self, *, by: object) -> None:
        if self.acknowledged_at is not None:
            raise TransitionNotAllowed(_("该备案已确认。"))
        self.acknowledged_by = by
        self.acknowledged_at = timezone.now()


class DisciplineVisit(models.Model):
    """明察暗访、定期检查: who was found at work, set against sign-ins and approved leave."""

    class Method(models.TextChoices):
        UNANNOUNCED = "unannounced", _("暗访（不打招呼）")
        ANNOUNCED = "announced", _("明察（事先通知）")
        PERIODIC = "periodic", _("定期检查")
        REMOTE = "remote", _("电话、视频抽查")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="discipline_visits", verbose_name=_("被检查单位")
    )
    visited_at = models.DateTimeField(_("检查时间"))
    method = models.CharField(_("检查方式"), max_length=20, choices=Method.choices, default=Method.UNANNOUNCED)
    notes = models.TextField(_("检查情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("明察暗访记录")
        verbose_name_plural = _("明察暗访记录")
        ordering = ["-visited_at", "-pk"]
        indexes = [models.Index(fields=["agency", "visited_at"], name="visit_agency_time")]

    def __str__(self) -> str:
        return f"{self.agency} {timezone.localtime(self.visited_at):%Y-%m-%d %H:%M}"

    @property
    def day(self) -> datetime.date:
        return timezone.localdate(self.visited_at)

    @property
    def is_announced(self) -> bool:
        return self.method != self.Method.UNANNOUNCED


class VisitObservation(models.Model):
    """Whether one person was found at work during a visit."""

    visit = models.ForeignKey(
        DisciplineVisit, on_delete=models.CASCADE, related_name="observations", verbose_name=_("检查")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("人员"))
    present = models.BooleanField(_("在岗"))
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("转为问题")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("在岗核查")
        verbose_name_plural = _("在岗核查")
        ordering = ["visit", "person__position", "person__name"]
        constraints = [models.UniqueConstraint(fields=["visit", "person"], name="visit_observes_person_once")]

    def __str__(self) -> str:
        return f"{self.person}: {_('在岗') if self.present else _('不在岗')}"
