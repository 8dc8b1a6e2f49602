from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from integrity.models import (
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ControlInspection,
    DisposalPlan,
    InspectionItemResult,
    IntegrityCommitment,
    IntegrityTalk,
    IntegrityTalkFollowUp,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    RiskReview,
    ServiceCommitment,
    ServiceRule,
    SpotCheck,
    SpotCheckIssue,
)
from supervision.admin import RecordAdmin


class NoDeleteMixin:
    """Records are never hard-deleted: they are withdrawn, voided or repealed with a reason."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["position", "code", "text", "check_points", "guidance"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # a revision is made on the checklist page
        return False


@admin.register(Checklist)
class ChecklistAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["article_label", "title", "area"]
    readonly_fields = ["article", "article_label", "area"]

    def has_add_permission(self, request) -> bool:  # one checklist per article of the regulation, seeded
        return False


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["checklist", "number", "note", "created_by", "created_at"]
    list_filter = ["checklist"]
    readonly_fields = ["checklist", "number", "created_by", "created_at"]
    inlines = [ChecklistItemInline]


class ResultInline(admin.TabularInline):
    model = InspectionItemResult
    extra = 0
    fields = ["item", "result", "problem", "severity", "finding", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ControlInspection)
class ControlInspectionAdmin(RecordAdmin):
    list_display = ["title", "agency", "planned_on", "status", "lead", "completed_at"]
    list_filter = ["status", "agency__city"]
    search_fields = ["title", "agency__name"]
    list_select_related = ["agency", "lead"]
    raw_id_fields = ["lead", "completed_by"]
    filter_horizontal = ["team", "checklists"]
    inlines = [ResultInline]


class SpotCheckIssueInline(admin.TabularInline):
    model = SpotCheckIssue
    extra = 0
    fields = ["file_reference", "article", "severity", "title", "finding", "withdrawn_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SpotCheck)
class SpotCheckAdmin(RecordAdmin):
    list_display = ["subject", "agency", "business_area", "checked_on", "sample_size", "status"]
    list_filter = ["status", "business_area"]
    search_fields = ["subject", "agency__name"]
    list_select_related = ["agency"]
    raw_id_fields = ["checked_by", "reported_to"]
    inlines = [SpotCheckIssueInline]


class RiskReviewInline(admin.TabularInline):
    model = RiskReview
    extra = 0
    fields = ["reviewed_on", "likelihood", "impact", "status", "note", "reviewed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Risk)
class RiskAdmin(RecordAdmin):
    list_display = ["title", "agency", "category", "likelihood", "impact", "score", "status", "next_review_on"]
    list_filter = ["category", "status", "agency__city"]
    search_fields = ["title", "description", "agency__name"]
    list_select_related = ["agency"]
    raw_id_fields = ["owner", "created_by"]
    readonly_fields = ["score"]
    inlines = [RiskReviewInline]


@admin.register(RiskAnalysisReport)
class RiskAnalysisReportAdmin(RecordAdmin):
    list_display = ["title", "agency", "year", "period", "status", "submitted_at"]
    list_filter = ["year", "period", "status"]
    list_select_related = ["agency"]
    raw_id_fields = ["created_by", "submitted_by"]
    filter_horizontal = ["risks"]


@admin.register(DisposalPlan)
class DisposalPlanAdmin(RecordAdmin):
    list_display = ["title", "agency", "category", "status", "effective_on", "last_drill_on"]
    list_filter = ["category", "status"]
    list_select_related = ["agency"]
    raw_id_fields = ["responsible", "created_by"]
    filter_horizontal = ["risks"]


@admin.register(ServiceCommitment)
class ServiceCommitmentAdmin(RecordAdmin):
    list_display = ["item", "agency", "time_limit", "time_unit", "is_active", "effective_on"]
    list_filter = ["is_active", "time_unit", "agency__city"]
    search_fields = ["item", "agency__name"]
    list_select_related = ["agency"]
    raw_id_fields = ["created_by"]


@admin.register(ServiceRule)
class ServiceRuleAdmin(RecordAdmin):
    list_display = ["title", "agency", "kind", "is_active", "effective_on"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["agency"]
    raw_id_fields = ["created_by"]


@admin.register(ResponsibilityAssignment)
class ResponsibilityAssignmentAdmin(RecordAdmin):
    list_display = ["person", "agency", "year", "post", "signed_on"]
    list_filter = ["year"]
    search_fields = ["person__name", "post"]
    list_select_related = ["person", "agency"]
    raw_id_fields = ["person", "assigned_by", "recorded_by"]


@admin.register(IntegrityCommitment)
class IntegrityCommitmentAdmin(RecordAdmin):
    list_display = ["person", "agency", "year", "status", "method", "signed_at"]
    list_filter = ["year", "status", "method"]
    search_fields = ["person__name"]
    list_select_related = ["person", "agency"]
    raw_id_fields = ["person", "issued_by"]


class TalkFollowUpInline(admin.TabularInline):
    model = IntegrityTalkFollowUp
    extra = 0
    fields = ["happened_on", "text", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IntegrityTalk)
class IntegrityTalkAdmin(RecordAdmin):
    """Reached by system administrators only (the admin site is theirs alone)."""

    list_display = ["person", "agency", "kind", "held_on", "talked_by"]
    list_filter = ["kind"]
    list_select_related = ["person", "agency"]
    raw_id_fields = ["person", "recorded_by"]
    inlines = [TalkFollowUpInline]
