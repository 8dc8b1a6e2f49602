from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints.models import ClockPause, Complaint, ComplaintEvent, ComplaintLetter, ExternalBody, ReviewCase
from supervision.admin import RecordAdmin


@admin.register(ExternalBody)
class ExternalBodyAdmin(SimpleHistoryAdmin):
    """The registry of competent bodies to which complaints outside the remit are transferred."""

    list_display = ["name", "kind", "city", "phone", "is_active"]
    list_filter = ["kind", "city", "is_active"]
    search_fields = ["name", "remit"]


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    fields = ["kind", "actor", "text", "public_text", "created_at"]
    readonly_fields = fields
    can_delete = False


class ClockPauseInline(admin.TabularInline):
    model = ClockPause
    extra = 0
    fields = ["clock", "started_on", "ended_on", "reason", "working_days"]
    readonly_fields = fields
    can_delete = False


class ComplaintLetterInline(admin.TabularInline):
    model = ComplaintLetter
    extra = 0
    fields = ["kind", "number", "addressee", "issued_on", "file"]
    readonly_fields = fields
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(RecordAdmin):
    list_display = ["number", "kind", "title", "agency", "unit", "status", "received_on", "accept_due", "reply_due"]
    list_filter = ["status", "kind", "matter_type", "city"]
    search_fields = ["number", "title", "description"]
    list_select_related = ["agency", "unit"]
    raw_id_fields = ["merged_into"]
    readonly_fields = ["tracking_hash", "number", "received_at", "consent_at"]
    inlines = [ComplaintEventInline, ClockPauseInline, ComplaintLetterInline]
    workflow_fields = ("kind", "unit", "accept_due", "reply_due", "merged_into", "transferred_to")


@admin.register(ReviewCase)
class ReviewCaseAdmin(RecordAdmin):
    list_display = ["kind", "agency", "applicant_name", "subject", "case_number", "filed_on", "outcome"]
    list_filter = ["kind", "subject", "outcome", "agency__city"]
    search_fields = ["applicant_name", "case_number", "summary"]
    list_select_related = ["agency"]
    raw_id_fields = ["complaint", "recorded_by"]
