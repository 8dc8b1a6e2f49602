"""Complaints and reports (第十六条) and reconsideration and litigation cases (第十七条).

Anyone may report (举报, anonymously) or complain (投诉) about a breach of the social-insurance laws.
The receiving department (the city bureau) either accepts what is within its remit (受理) and
assigns it to the responsible unit (承办单位) with a deadline counted in working days, or gives the
complainant **written notice** and **transfers** it to the competent body (书面通知并移交). Two
clocks run: acceptance (受理时限) from receipt, and reply (答复时限) from acceptance; each may be
paused with a recorded reason. The complainant follows the case with a tracking code that is shown
once and stored only as a hash.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supervision.models import Agency, City
from supervision.models.events import ThreadEvent
from supervision.workflow import TransitionNotAllowed


def local_today() -> datetime.date:
    return timezone.localdate()


# Tracking codes: 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), shown in
# groups of four. 30^16 ≈ 2^78: unguessable, so a wrong code can reveal nothing.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
_NOT_CODE = re.compile(r"[^0-9A-Z]")


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[index : index + 4] for index in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    return _NOT_CODE.sub("", (code or "").upper())


def tracking_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_contact(value: str) -> str:
    """A phone number by its digits, an e-mail address in lower case: what the complainant typed either way."""
    value = (value or "").strip().lower()
    if "@" in value:
        return value
    return re.sub(r"\D", "", value)


class ExternalBody(models.Model):
    """A department or body outside the bureau's remit to which complaints are transferred (有权处理的部门、机构)."""

    class Kind(models.TextChoices):
        HEALTHCARE_SECURITY = "healthcare_security", _("医疗保障部门")
        TAX = "tax", _("税务部门")
        LABOUR_INSPECTION = "labour_inspection", _("劳动保障监察机构")
        DISCIPLINE = "discipline", _("纪检监察机关")
        PUBLIC_SECURITY = "public_security", _("公安机关")
        FINANCE = "finance", _("财政部门")
        AUDIT = "audit", _("审计机关")
        PETITION = "petition", _("信访部门")
        COURT = "court", _("人民法院")
        OTHER = "other", _("其他部门")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类别"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="external_bodies",
        verbose_name=_("所在设区市"),
        help_text=_("留空表示各市通用（如省级部门）。"),
    )
    remit = models.TextField(_("职责范围"), blank=True, help_text=_("该部门受理哪些事项，供分办时参考。"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=10, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("有权处理的外部部门")
        verbose_name_plural = _("有权处理的外部部门")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=Complaint.OPEN_STATUSES)

    def _paused(self, clock: str) -> Exists:
        return Exists(ClockPause.objects.filter(complaint=OuterRef("pk"), clock=clock, ended_on__isnull=True))

    def accept_overdue(self, today: datetime.date | None = None) -> ComplaintQuerySet:
        return self.filter(status=Complaint.Status.RECEIVED, accept_due__lt=today or local_today()).exclude(
            self._paused(ClockPause.Clock.ACCEPT)
        )

    def reply_overdue(self, today: datetime.date | None = None) -> ComplaintQuerySet:
        return self.filter(status=Complaint.Status.ACCEPTED, reply_due__lt=today or local_today()).exclude(
            self._paused(ClockPause.Clock.REPLY)
        )

    def overdue(self, today: datetime.date | None = None) -> ComplaintQuerySet:
        today = today or local_today()
        accept = Q(status=Complaint.Status.RECEIVED, accept_due__lt=today) & ~self._paused(ClockPause.Clock.ACCEPT)
        reply = Q(status=Complaint.Status.ACCEPTED, reply_due__lt=today) & ~self._paused(ClockPause.Clock.REPLY)
        return self.filter(accept | reply)

    def with_list_relations(self) -> ComplaintQuerySet:
        return self.select_related("agency", "unit", "transferred_to", "merged_into")


class Complaint(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("举报")
        COMPLAINT = "complaint", _("投诉")

    class MatterType(models.TextChoices):
        REGISTRATION = "registration", _("社会保险登记")
        CONTRIBUTION = "contribution", _("社会保险费核定征缴")
        BENEFIT = "benefit", _("社会保险待遇支付")
        TRANSFER = "transfer", _("社会保险关系转移接续")
        RECORDS = "records", _("个人权益记录")
        FUND = "fund", _("基金管理使用（骗保、挪用等）")
        SERVICE = "service", _("服务态度与办事效率")
        INTEGRITY = "integrity", _("工作人员廉洁问题")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        RECEIVED = "received", _("待受理")
        ACCEPTED = "accepted", _("办理中")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已办结")
        TRANSFERRED = "transferred", _("已移交")
        DECLINED = "declined", _("不予受理")
        MERGED = "merged", _("已合并")

    class Substantiation(models.TextChoices):
        SUBSTANTIATED = "substantiated", _("属实")
        PARTLY = "partly", _("部分属实")
        UNSUBSTANTIATED = "unsubstantiated", _("不属实")
        NOT_APPLICABLE = "not_applicable", _("不涉及（咨询、建议等）")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED)
    SUBSTANTIATED = (Substantiation.SUBSTANTIATED, Substantiation.PARTLY)

    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    tracking_hash = models.CharField(_("查询码摘要"), max_length=64, unique=True, editable=False)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("设区市"))
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=_("被举报投诉单位"),
        help_text=_("留空表示反映人不确定。"),
    )
    matter_type = models.CharField(_("事项类型"), max_length=20, choices=MatterType.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("反映内容"))
    occurred_on = models.DateField(_("发生时间"), null=True, blank=True)
    contact_name = models.CharField(_("反映人姓名"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    contact_address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    wants_reply = models.BooleanField(_("要求答复"), default=False)
    consent_at = models.DateTimeField(_("同意告知时间"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    received_on = models.DateField(_("收到日期"), default=local_today)

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    unit = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
        verbose_name=_("承办单位"),
        help_text=_("收到时为市人社局；受理后交办给负责的单位。"),
    )
    accept_due = models.DateField(_("受理期限"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    reply_working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    reply_due = models.DateField(_("答复期限"), null=True, blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    reply = models.TextField(_("答复意见"), blank=True, help_text=_("公开：反映人凭查询码可以看到。"))
    substantiation = models.CharField(_("查实情况"), max_length=20, choices=Substantiation.choices, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    transferred_to = models.ForeignKey(
        ExternalBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("移交部门"),
    )
    transferred_on = models.DateField(_("移交日期"), null=True, blank=True)
    decision_reason = models.TextField(
        _("不予受理或移交的理由"), blank=True, help_text=_("公开：写入书面通知，反映人可以看到。")
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("并入"),
    )
    satisfaction = models.CharField(_("反映人满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    satisfaction_comment = models.CharField(_("满意度评价"), max_length=500, blank=True)
    accept_overdue_since = models.DateField(_("受理逾期标记日期"), null=True, blank=True)
    reply_overdue_since = models.DateField(_("答复逾期标记日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords(excluded_fields=["tracking_hash"])

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("举报投诉")
        verbose_name_plural = _("举报投诉")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "status"], name="complaint_unit_status"),
            models.Index(fields=["status", "accept_due"], name="complaint_accept_due"),
            models.Index(fields=["status", "reply_due"], name="complaint_reply_due"),
            models.Index(fields=["received_on"], name="complaint_received_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="transferred") | Q(transferred_to__isnull=False, transferred_on__isnull=False),
                name="complaint_transfer_has_body",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False), name="complaint_merged_has_target"
            ),
            models.CheckConstraint(condition=~Q(merged_into=models.F("pk")), name="complaint_not_merged_into_self"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # -- the tracking code and the contact check -------------------------------------------------

    def code_matches(self, code: str) -> bool:
        return hmac.compare_digest(self.tracking_hash, tracking_hash(code))

    def contact_matches(self, contact: str) -> bool:
        """With a contact on file, the tracker must give the same phone number or e-mail address."""
        known = [normalise_contact(value) for value in (self.contact_phone, self.contact_email) if value]
        if not known:
            return True
        given = normalise_contact(contact)
        matches = [hmac.compare_digest(given.encode(), value.encode()) for value in known]
        return bool(given) and any(matches)

    @property
    def is_anonymous(self) -> bool:
        return not (self.contact_name or self.contact_phone or self.contact_email or self.contact_address)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_substantiated(self) -> bool:
        return self.substantiation in self.SUBSTANTIATED

    def open_pause(self, clock: str) -> ClockPause | None:
        return next((pause for pause in self.pauses.all() if pause.clock == clock and pause.ended_on is None), None)

    @property
    def running_clock(self) -> str | None:
        if self.status == self.Status.RECEIVED:
            return ClockPause.Clock.ACCEPT
        if self.status == self.Status.ACCEPTED:
            return ClockPause.Clock.REPLY
        return None

    def overdue_on(self, day: datetime.date) -> bool:
        clock = self.running_clock
        if clock is None or self.open_pause(clock) is not None:
            return False
        due = self.accept_due if clock == ClockPause.Clock.ACCEPT else self.reply_due
        return due is not None and due < day

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(local_today())

    # -- transitions: each refuses an illegal move -------------------------------------------------

    def accept(self, unit: Agency, reply_due: datetime.date, working_days: int, today: datetime.date) -> None:
        if self.status != self.Status.RECEIVED:
            raise TransitionNotAllowed(_("只有待受理的举报投诉可以受理。"))
        self.status = self.Status.ACCEPTED
        self.unit = unit
        self.accepted_on = today
        self.reply_working_days = working_days
        self.reply_due = reply_due

    def reassign(self, unit: Agency) -> None:
        if self.status != self.Status.ACCEPTED:
            raise TransitionNotAllowed(_("只有办理中的举报投诉可以改派承办单位。"))
        if unit.pk == self.unit_id:
            raise TransitionNotAllowed(_("已由该单位承办。"))
        self.unit = unit

    def transfer(self, body: ExternalBody, reason: str, today: datetime.date) -> None:
        if self.status not in self.OPEN_STATUSES:
            raise TransitionNotAllowed(_("只有待受理或办理中的举报投诉可以移交。"))
        self.status = self.Status.TRANSFERRED
        self.transferred_to = body
        self.transferred_on = today
        self.decision_reason = reason
        self.closed_on = today

    def decline(self, reason: str, today: datetime.date) -> None:
        if self.status != self.Status.RECEIVED:
            raise TransitionNotAllowed(_("只有待受理的举报投诉可以不予受理。"))
        self.status = self.Status.DECLINED
        self.decision_reason = reason
        self.closed_on = today

    def merge_into(self, master: Complaint, today: datetime.date) -> None:
        if self.status not in self.OPEN_STATUSES:
            raise TransitionNotAllowed(_("只有待受理或办理中的举报投诉可以合并。"))
        if master.pk == self.pk or master.merged_into_id is not None or master.status == self.Status.MERGED:
            raise TransitionNotAllowed(_("不能并入自身或已被合并的举报投诉。"))
        self.status = self.Status.MERGED
        self.merged_into = master
        self.closed_on = today

    def answer(self, text: str, substantiation: str, today: datetime.date) -> None:
        if self.status != self.Status.ACCEPTED:
            raise TransitionNotAllowed(_("只有办理中的举报投诉可以答复。"))
        self.status = self.Status.REPLIED
        self.reply = text
        self.substantiation = substantiation
        self.replied_on = today

    def close(self, today: datetime.date) -> None:
        if self.status != self.Status.REPLIED:
            raise TransitionNotAllowed(_("只有已答复的举报投诉可以办结。"))
        self.status = self.Status.CLOSED
        self.closed_on = today

    def reopen(self, reply_due: datetime.date, working_days: int) -> None:
        if self.status not in (self.Status.REPLIED, self.Status.CLOSED):
            raise TransitionNotAllowed(_("只有已答复或已办结的举报投诉可以重新办理。"))
        self.status = self.Status.ACCEPTED
        self.closed_on = None
        self.reply_working_days = working_days
        self.reply_due = reply_due
        self.reply_overdue_since = None

    def rate(self, satisfaction: str, comment: str) -> None:
        if self.status not in (self.Status.REPLIED, self.Status.CLOSED):
            raise TransitionNotAllowed(_("答复之后才能评价满意度。"))
        self.satisfaction = satisfaction
        self.satisfaction_comment = comment

    # -- public status -----------------------------------------------------------------------------

    def public_status(self) -> str:
        """What happened, said plainly, with public facts only: the unit (never a person), the body, the dates."""
        if self.status == self.Status.RECEIVED:
            return _("已于 %(date)s 收到，正在审查是否受理。") % {"date": self.received_on}
        if self.status == self.Status.ACCEPTED:
            return _("已于 %(date)s 受理，由 %(unit)s 办理，答复期限 %(due)s。") % {
                "date": self.accepted_on,
                "unit": self.unit.name,
                "due": self.reply_due,
            }
        if self.status in (self.Status.REPLIED, self.Status.CLOSED):
            text = _("已由 %(unit)s 办理，于 %(date)s 答复。") % {"unit": self.unit.name, "date": self.replied_on}
            if self.status == self.Status.CLOSED:
                text += " " + _("已于 %(date)s 办结。") % {"date": self.closed_on}
            return text
        if self.status == self.Status.TRANSFERRED:
            return _("不属于本部门职责范围，已于 %(date)s 书面通知并移交 %(body)s 处理。") % {
                "date": self.transferred_on,
                "body": self.transferred_to.name,
            }
        if self.status == self.Status.DECLINED:
            return _("经审查，于 %(date)s 决定不予受理。") % {"date": self.closed_on}
        return _("与同一事项的举报投诉（编号 %(number)s）合并办理。") % {"number": self.merged_into.number}


class ClockPause(models.Model):
    """A recorded pause of one of the two clocks (e.g. waiting for the complainant's materials)."""

    class Clock(models.TextChoices):
        ACCEPT = "accept", _("受理时限")
        REPLY = "reply", _("答复时限")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("举报投诉")
    )
    clock = models.CharField(_("计时"), max_length=10, choices=Clock.choices)
    started_on = models.DateField(_("暂停日期"))
    ended_on = models.DateField(_("恢复日期"), null=True, blank=True)
    reason = models.CharField(_("暂停理由"), max_length=300)
    working_days = models.PositiveSmallIntegerField(_("顺延工作日"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("暂停人")
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("恢复人"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("计时暂停")
        verbose_name_plural = _("计时暂停")
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "clock"], condition=Q(ended_on__isnull=True), name="complaint_one_open_pause"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="complaint_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clock_display()} {self.started_on}–{self.ended_on or ''}"


class ComplaintEvent(ThreadEvent):
    """One entry of a complaint's thread. `public_text` is what the complainant may read; `text` is internal."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("收到")
        ACCEPTED = "accepted", _("受理并交办")
        REASSIGNED = "reassigned", _("改派承办单位")
        TRANSFERRED = "transferred", _("书面通知并移交")
        DECLINED = "declined", _("不予受理")
        MERGED = "merged", _("合并办理")
        NOTE = "note", _("调查核实记录")
        PAUSED = "paused", _("暂停计时")
        RESUMED = "resumed", _("恢复计时")
        REPLIED = "replied", _("答复反映人")
        CLOSED = "closed", _("办结")
        REOPENED = "reopened", _("重新办理")
        SATISFACTION = "satisfaction", _("满意度评价")
        OVERDUE = "overdue", _("逾期")
        FINDING = "finding", _("登记问题并下达整改")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("举报投诉")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("内部记录"), blank=True)
    public_text = models.TextField(_("公开内容"), blank=True, help_text=_("非空时反映人凭查询码可以看到。"))

    class Meta(ThreadEvent.Meta):
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")


def letter_path(instance: ComplaintLetter, filename: str) -> str:
    import uuid

    return f"complaints/letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class ComplaintLetter(models.Model):
    """A document issued on a complaint, stored as issued (PDF) so that it never changes afterwards."""

    class Kind(models.TextChoices):
        ACCEPTANCE_NOTICE = "acceptance_notice", _("受理告知书")
        ASSIGNMENT = "assignment", _("交办单")
        TRANSFER_NOTICE = "transfer_notice", _("书面通知（移交告知）")
        TRANSFER_LETTER = "transfer_letter", _("移交函")
        REPLY = "reply", _("答复意见书")

    # Documents addressed to the complainant; the public may read them through the tracking code.
    TO_COMPLAINANT = (Kind.ACCEPTANCE_NOTICE, Kind.TRANSFER_NOTICE, Kind.REPLY)

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="letters", verbose_name=_("举报投诉")
    )
    kind = models.CharField(_("文书类型"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("文号"), max_length=40, unique=True)
    addressee = models.CharField(_("主送"), max_length=100)
    file = models.FileField(_("文件"), upload_to=letter_path, max_length=200)
    issued_on = models.DateField(_("印发日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("举报投诉文书")
        verbose_name_plural = _("举报投诉文书")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_for_complainant(self) -> bool:
        return self.kind in self.TO_COMPLAINANT

    @property
    def filename(self) -> str:
        return f"{self.get_kind_display()}-{self.complaint.number}.pdf"


class ReviewCaseQuerySet(models.QuerySet["ReviewCase"]):
    def pending(self) -> ReviewCaseQuerySet:
        return self.filter(outcome=ReviewCase.Outcome.PENDING)


class ReviewCase(models.Model):
    """An administrative reconsideration (行政复议) or lawsuit (行政诉讼) against a county agency (第十七条)."""

    class Kind(models.TextChoices):
        RECONSIDERATION = "reconsideration", _("行政复议")
        LITIGATION = "litigation", _("行政诉讼")

    class ApplicantType(models.TextChoices):
        EMPLOYER = "employer", _("用人单位")
        INDIVIDUAL = "individual", _("个人")

    class Subject(models.TextChoices):
        # 第十七条: the five kinds of act the regulation names.
        REGISTRATION = "registration", _("不依法办理社会保险登记")
        CONTRIBUTION = "contribution", _("不依法核定社会保险费")
        BENEFIT = "benefit", _("不依法支付社会保险待遇")
        TRANSFER = "transfer", _("不依法办理社会保险转移接续手续")
        OTHER = "other", _("侵害其他社会保险权益")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("审理中")
        UPHELD = "upheld", _("维持（驳回诉讼请求）")
        REVOKED = "revoked", _("撤销")
        CHANGED = "changed", _("变更")
        UNLAWFUL = "unlawful", _("确认违法")
        PERFORM = "perform", _("责令履行")
        DISMISSED = "dismissed", _("驳回申请（不予受理）")
        WITHDRAWN = "withdrawn", _("申请人撤回（撤诉）")
        SETTLED = "settled", _("调解、和解")
        OTHER = "other", _("其他")

    # Outcomes that find the agency at fault (纠错): counted in the statistics.
    CORRECTED = (Outcome.REVOKED, Outcome.CHANGED, Outcome.UNLAWFUL, Outcome.PERFORM)

    kind = models.CharField(_("案件类型"), max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="review_cases", verbose_name=_("被申请人（被告）")
    )
    applicant_type = models.CharField(_("申请人类型"), max_length=20, choices=ApplicantType.choices)
    applicant_name = models.CharField(_("申请人（原告）"), max_length=100)
    subject = models.CharField(_("争议事项"), max_length=20, choices=Subject.choices)
    summary = models.TextField(_("案情摘要"), blank=True)
    body = models.CharField(_("复议机关（法院）"), max_length=100)
    case_number = models.CharField(_("案号"), max_length=60, blank=True)
    filed_on = models.DateField(_("申请（起诉）日期"))
    accepted_on = models.DateField(_("受理（立案）日期"), null=True, blank=True)
    decided_on = models.DateField(_("决定（判决）日期"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_cases",
        verbose_name=_("关联举报投诉"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    objects = ReviewCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政复议和行政诉讼案件")
        verbose_name_plural = _("行政复议和行政诉讼案件")
        ordering = ["-filed_on", "-pk"]
        indexes = [models.Index(fields=["agency", "filed_on"], name="reviewcase_agency_filed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(decided_on__isnull=False), name="reviewcase_decided_has_date"
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=models.F("filed_on")),
                name="reviewcase_decided_after_filed",
            ),
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(accepted_on__gte=models.F("filed_on")),
                name="reviewcase_accepted_after_filed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_number or self.applicant_name}"

    @property
    def is_corrected(self) -> bool:
        return self.outcome in self.CORRECTED

    def body_label(self) -> Any:
        return _("法院") if self.kind == self.Kind.LITIGATION else _("复议机关")
