from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.http import HttpRequest
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from supervision import workdays
from supervision.models import (
    AccountabilityRecord,
    Agency,
    Attachment,
    AttendancePolicy,
    CalendarOverride,
    CalendarYear,
    ChannelMembership,
    City,
    CorrectionOrder,
    DisciplineVisit,
    Disclosure,
    Division,
    DocumentSequence,
    Finding,
    FindingEvent,
    FundInspection,
    GuidanceVisit,
    HandlingDecision,
    Inquiry,
    InspectionMaterial,
    Leave,
    LeaveEvent,
    LeaveFiling,
    LeaveKind,
    MaterialSeal,
    Notification,
    OversightSettings,
    Person,
    SemiannualReport,
    SemiannualReportEvent,
    SignIn,
    SupervisionActivity,
    VerticalManagement,
    VisitObservation,
)


class RecordAdmin(SimpleHistoryAdmin):
    """A record of the portal's work, made and moved on its own pages, where each step is checked and logged.

    A system administrator may read it here and correct what it says (the history keeps each change,
    and the version moves on, so a page form opened before the correction is refused, not saved over
    it); not add one, delete one, move it through its workflow, move it to another unit, or change who
    did what and when. `workflow_fields` names a model's further fields that only its workflow sets.
    """

    workflow_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        declared = list(super().get_readonly_fields(request, obj))
        fixed = [*workflow_field_names(self.model), *self.workflow_fields]
        return declared + [name for name in fixed if name not in declared]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)


WORKFLOW_FIELDS = frozenset({"status", "version", "agency", "city", "content_type", "object_id"})


def workflow_field_names(model: type[models.Model]) -> list[str]:
    """Fields only a workflow sets on any record: status, version, its unit, its source, who acted and when."""
    user_model = get_user_model()
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.name in WORKFLOW_FIELDS
        or (field.is_relation and field.related_model is user_model)
        or isinstance(field, models.DateTimeField)
    ]


@admin.register(City)
class CityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Division)
class DivisionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "city", "code"]
    list_filter = ["city", "kind"]
    search_fields = ["name", "code"]


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["name", "position", "title", "phone", "user", "is_active"]
    raw_id_fields = ["user"]


class VerticalManagementInline(admin.TabularInline):
    model = VerticalManagement
    extra = 0


@admin.register(Agency)
class AgencyAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "city", "division", "work_starts_at", "is_active"]
    list_filter = ["city", "kind", "is_active"]
    search_fields = ["name", "short_name", "division__name"]
    list_select_related = ["city", "division"]
    inlines = [PersonInline, VerticalManagementInline]


@admin.register(VerticalManagement)
class VerticalManagementAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "year", "is_vertical", "note"]
    list_filter = ["year", "is_vertical"]
    list_select_related = ["agency"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "agency", "position", "title", "user", "is_active"]
    list_filter = ["position", "is_active", "agency__kind"]
    search_fields = ["name", "user__username", "agency__name"]
    list_select_related = ["agency", "user"]
    raw_id_fields = ["user"]


@admin.register(Attachment)
class AttachmentAdmin(SimpleHistoryAdmin):
    list_display = ["original_name", "content_type", "object_id", "mime_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["mime_type", "content_type"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["token", "file", "mime_type", "size", "sha256", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:  # files come in through attach(), checked
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # evidence stays with its record
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "created_at", "read_at", "emailed_at", "mail_attempts"]
    list_filter = ["read_at", "emailed_at"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    extra = 0
    fields = ["kind", "actor", "text", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Finding)
class FindingAdmin(RecordAdmin):
    list_display = ["title", "agency", "article", "severity", "status", "deadline", "found_by"]
    list_filter = ["status", "severity", "source", "agency__city"]
    search_fields = ["title", "article", "description"]
    list_select_related = ["agency", "found_by"]
    raw_id_fields = ["found_by", "responsible"]
    inlines = [FindingEventInline]
    workflow_fields = ("deadline", "source", "source_type", "source_id")


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(RecordAdmin):
    list_display = ["agency", "person", "consequence", "decided_by", "decided_on"]
    list_filter = ["consequence", "decided_on"]
    list_select_related = ["agency", "person"]
    raw_id_fields = ["person", "recorded_by"]


class DocumentSequenceForm(forms.ModelForm):
    class Meta:
        model = DocumentSequence
        fields = ["prefix", "year", "last_number"]

    def clean_last_number(self) -> int:
        number = self.cleaned_data["last_number"]
        if self.instance.pk and number < self.instance.last_number:
            raise forms.ValidationError(
                _("不能调小：%(number)s号及以前的序号可能已经使用。") % {"number": self.instance.last_number}
            )
        return number


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(SimpleHistoryAdmin):
    form = DocumentSequenceForm
    list_display = ["prefix", "year", "last_number"]
    list_filter = ["year"]
    search_fields = ["prefix"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["date", "weekday", "city", "is_working_day", "reason", "schedule"]
    list_filter = ["is_working_day", "city"]
    date_hierarchy = "date"
    search_fields = ["reason"]
    list_select_related = ["city", "schedule", "schedule__city"]

    @admin.display(description=_("星期"))
    def weekday(self, override: CalendarOverride) -> str:
        return str(WEEKDAYS[override.date.weekday()])


class DayListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: str | None) -> list[datetime.date]:
        try:
            return workdays.parse_days(super().to_python(value) or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class CalendarYearForm(forms.ModelForm):
    """A year's State Council notice as typed from it: the days off and the adjusted working days."""

    days_off = DayListField(
        label=_("放假日期"),
        required=False,
        help_text=_("照通知录入全部放假日期（含周末），每行一个日期或区间，如：2027-02-05 至 2027-02-11"),
    )
    working_days = DayListField(
        label=_("调休上班日期"), required=False, help_text=_("通知中安排上班的周六、周日，如：2027-02-20")
    )

    class Meta:
        model = CalendarYear
        fields = ["city", "year", "schedule_loaded", "note"]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        days_off, working_days = data.get("days_off") or [], data.get("working_days") or []
        if data.get("year") and (days_off or working_days):
            for problem in workdays.schedule_problems(data["year"], days_off, working_days):
                self.add_error(None, problem)
        return data


class ScheduleOverrideInline(admin.TabularInline):
    model = CalendarOverride
    fields = ["date", "is_working_day", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: CalendarYear | None = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    form = CalendarYearForm
    list_display = ["year", "city", "schedule_loaded", "known_to_package", "note"]
    list_filter = ["schedule_loaded", "city"]
    list_select_related = ["city"]
    inlines = [ScheduleOverrideInline]

    @admin.display(description=_("扩展包已含该年安排"), boolean=True)
    def known_to_package(self, calendar_year: CalendarYear) -> bool:
        return workdays.package_knows(calendar_year.year)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: CalendarYearForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        days_off, working_days = form.cleaned_data["days_off"], form.cleaned_data["working_days"]
        if days_off or working_days:
            workdays.load_year_schedule(obj, days_off=days_off, working_days=working_days, acting_user=request.user)


# Work style and attendance (第五条).


@admin.register(AttendancePolicy)
class AttendancePolicyAdmin(SimpleHistoryAdmin):
    list_display = ["city", "head_notice_hours", "late_grace_minutes"]


@admin.register(LeaveKind)
class LeaveKindAdmin(SimpleHistoryAdmin):
    list_display = ["name", "symbol", "category", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["category", "is_active"]

    def has_delete_permission(self, request, obj=None) -> bool:  # retire a kind instead: leaves refer to it
        return False


@admin.register(SignIn)
class SignInAdmin(admin.ModelAdmin):
    list_display = ["person", "agency", "date", "signed_at", "ip_address"]
    list_filter = ["date", "agency__city"]
    search_fields = ["person__name", "agency__name"]
    list_select_related = ["person", "agency"]
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None) -> bool:  # a sign-in is a fact, never edited
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LeaveEventInline(admin.TabularInline):
    model = LeaveEvent
    extra = 0
    fields = ["kind", "actor", "text", "created_at"]
    readonly_fields = fields
    can_delete = False


class LeaveFilingInline(admin.TabularInline):
    model = LeaveFiling
    extra = 0
    fields = ["section", "filed_at", "acknowledged_by", "acknowledged_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Leave)
class LeaveAdmin(RecordAdmin):
    list_display = ["person", "agency", "kind", "start_date", "end_date", "status", "is_head_leave", "returned_late"]
    list_filter = ["status", "kind", "is_head_leave", "returned_late", "agency__city"]
    search_fields = ["person__name", "reason", "agency__name"]
    list_select_related = ["person", "agency", "kind"]
    raw_id_fields = ["person", "acting_person", "submitted_by", "decided_by"]
    inlines = [LeaveEventInline, LeaveFilingInline]
    workflow_fields = (
        "person",
        "kind",
        "start_date",
        "start_half",
        "end_date",
        "end_half",
        "working_days",
        "is_head_leave",
        "approval_level",
        "acting_person",
        "returned_late",
    )


class VisitObservationInline(admin.TabularInline):
    model = VisitObservation
    extra = 0
    can_delete = False  # what the visit found is never deleted
    raw_id_fields = ["person", "finding"]


@admin.register(DisciplineVisit)
class DisciplineVisitAdmin(RecordAdmin):
    list_display = ["agency", "visited_at", "method", "recorded_by"]
    list_filter = ["method", "agency__city"]
    list_select_related = ["agency", "recorded_by"]
    raw_id_fields = ["recorded_by"]
    inlines = [VisitObservationInline]


@admin.register(ChannelMembership)
class ChannelMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "channel", "body", "capacity", "is_active", "granted_at"]
    list_filter = ["channel", "is_active"]
    search_fields = ["user__username", "body", "capacity"]
    raw_id_fields = ["user"]


@admin.register(SupervisionActivity)
class SupervisionActivityAdmin(RecordAdmin):
    list_display = ["title", "channel", "kind", "body", "held_on", "voided_at"]
    list_filter = ["channel", "kind"]
    search_fields = ["title", "summary", "body"]
    raw_id_fields = ["recorded_by"]
    filter_horizontal = ["subjects"]


@admin.register(OversightSettings)
class OversightSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["city", "h1_due_month", "h1_due_day", "h2_due_month", "h2_due_day", "document_prefix"]


class SemiannualReportEventInline(admin.TabularInline):
    model = SemiannualReportEvent
    extra = 0
    fields = ["kind", "actor", "text", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(SemiannualReport)
class SemiannualReportAdmin(RecordAdmin):
    list_display = ["agency", "year", "half", "status", "due_on", "resubmit_due", "submitted_at", "overdue_since"]
    list_filter = ["year", "half", "status"]
    list_select_related = ["agency"]
    raw_id_fields = ["submitted_by", "reviewed_by"]
    inlines = [SemiannualReportEventInline]
    workflow_fields = ("year", "half", "due_on", "resubmit_due", "overdue_since")


@admin.register(GuidanceVisit)
class GuidanceVisitAdmin(RecordAdmin):
    list_display = ["agency", "organiser", "planned_on", "visited_on", "status"]
    list_filter = ["status"]
    list_select_related = ["agency", "organiser"]
    raw_id_fields = ["recorded_by"]


class MaterialInline(admin.TabularInline):
    model = InspectionMaterial
    extra = 0
    fields = ["name", "agency", "quantity", "handling", "status", "registered_on"]
    readonly_fields = fields
    can_delete = False


@admin.register(FundInspection)
class FundInspectionAdmin(RecordAdmin):
    list_display = ["title", "organiser", "started_on", "ended_on", "status"]
    list_filter = ["status"]
    search_fields = ["title"]
    raw_id_fields = ["leader", "created_by"]
    filter_horizontal = ["agencies", "members"]
    inlines = [MaterialInline]


@admin.register(MaterialSeal)
class MaterialSealAdmin(RecordAdmin):
    list_display = ["seal_number", "material", "place", "sealed_on", "released_on"]
    raw_id_fields = ["material", "sealed_by", "released_by"]


@admin.register(Inquiry)
class InquiryAdmin(RecordAdmin):
    list_display = ["interviewee", "interviewee_unit", "inspection", "started_at"]
    raw_id_fields = ["inspection", "recorded_by"]


@admin.register(CorrectionOrder)
class CorrectionOrderAdmin(RecordAdmin):
    list_display = ["number", "agency", "conduct", "issued_on", "deadline"]
    search_fields = ["number"]
    raw_id_fields = ["inspection", "issued_by", "finding"]


@admin.register(HandlingDecision)
class HandlingDecisionAdmin(RecordAdmin):
    list_display = ["number", "agency", "decided_on"]
    search_fields = ["number"]
    raw_id_fields = ["inspection", "issued_by"]


@admin.register(Disclosure)
class DisclosureAdmin(RecordAdmin):
    list_display = ["title", "year", "status", "published_at", "public_id"]
    list_filter = ["status", "year"]
    search_fields = ["title", "summary"]
    readonly_fields = ["public_id"]
    raw_id_fields = ["inspection", "published_by", "withdrawn_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # What the public reads is changed on the inspection's page, where personal data is refused.
        return False
