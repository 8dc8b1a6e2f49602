"""Configuration pages for the assessment; the work itself happens on the portal's pages.

Records that carry decisions (scores, objections, filings, delegations, reports) are read-only
here and never deleted: changing them must go through the audited actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supervision.admin import RecordAdmin

from .models import (
    Assessment,
    AssessmentYear,
    CatalogueItem,
    CatalogueSubItem,
    Delegation,
    Filing,
    Objection,
    Report,
    ReportRun,
    ReportRunEntry,
    Score,
    ScoreImport,
    SiteVisit,
    Team,
    TeamMember,
)


class ReadOnlyAdmin(RecordAdmin):
    """Scores and the steps of an assessment change on the assessment pages alone: here they are read."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A past version's page shows the assessment as a choice list: each label names its year and county.
        if db_field.related_model is Assessment:
            kwargs.setdefault("queryset", Assessment.objects.select_related("year", "agency"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CatalogueItemInline(admin.TabularInline):
    model = CatalogueItem
    extra = 0
    fields = ["track", "position", "name", "max_points", "deduction_rule"]
    show_change_link = True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == AssessmentYear.Status.PREPARING

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(AssessmentYear)
class AssessmentYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "city", "status", "basic_weight", "target_weight", "deadline", "objection_days"]
    list_filter = ["city", "status"]
    readonly_fields = ["status", "opened_at", "published_at", "published_by", "copied_from", "version"]
    inlines = [CatalogueItemInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != AssessmentYear.Status.PREPARING:
            fields += ["city", "year", "basic_weight", "target_weight"]  # results are computed with these
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == AssessmentYear.Status.PREPARING


class CatalogueSubItemInline(admin.TabularInline):
    model = CatalogueSubItem
    extra = 0


@admin.register(CatalogueItem)
class CatalogueItemAdmin(SimpleHistoryAdmin):
    list_display = ["name", "track", "position", "max_points", "year"]
    list_filter = ["year", "track"]
    list_select_related = ["year"]
    inlines = [CatalogueSubItemInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.year.status == AssessmentYear.Status.PREPARING

    has_delete_permission = has_change_permission


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ["user", "added_at", "removed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # membership changes grant and revoke object permissions: use the team page


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "leader"]
    list_filter = ["year"]
    list_select_related = ["year", "leader"]
    readonly_fields = ["year"]
    inlines = [TeamMemberInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ["item", "max_points", "points", "comment", "scored_by", "scored_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super().get_queryset(request).select_related("assessment__year", "assessment__agency", "item", "scored_by")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["agency", "year", "status", "basic_total", "target_total", "final_score", "team"]
    list_filter = ["year", "status"]
    list_select_related = ["agency", "year", "team"]
    search_fields = ["agency__name"]
    inlines = [ScoreInline]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "item", "points", "max_points", "scored_by", "scored_at"]
    list_filter = ["assessment__year", "item__track"]
    list_select_related = ["assessment__agency", "assessment__year", "item", "scored_by"]


@admin.register(SiteVisit)
class SiteVisitAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "visited_on", "place", "recorded_by", "voided_at"]
    list_select_related = ["assessment__agency", "assessment__year", "recorded_by"]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "delegate_agency", "authorised_by", "authorised_at", "revoked_at"]
    list_select_related = ["assessment__agency", "assessment__year", "delegate_agency", "authorised_by"]


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "final_score", "filed_by", "filed_at", "acknowledged_by", "acknowledged_at"]
    list_select_related = ["assessment__agency", "assessment__year", "filed_by", "acknowledged_by"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "status", "raised_by", "raised_at", "answered_by", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["assessment__agency", "assessment__year", "raised_by", "answered_by"]


@admin.register(ScoreImport)
class ScoreImportAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "year", "status", "total_rows", "changed_rows", "uploaded_by", "uploaded_at"]
    list_filter = ["status", "year"]


class ReportRunEntryInline(admin.TabularInline):
    model = ReportRunEntry
    extra = 0
    fields = ["assessment", "status", "report", "reused", "error", "finished_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "run__year", "assessment__year", "assessment__agency", "report__year", "report__assessment__agency"
            )
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["year", "trigger", "requested_by", "created_at", "finished_at"]
    list_filter = ["trigger", "year"]
    readonly_fields = ["year", "trigger", "requested_by", "created_at", "finished_at"]
    inlines = [ReportRunEntryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["year", "kind", "assessment", "version", "generated_at", "verification_code", "final_score", "rank"]
    list_filter = ["year", "kind"]
    list_select_related = ["year", "assessment__year", "assessment__agency"]
    search_fields = ["verification_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
