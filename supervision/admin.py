from __future__ import annotations

from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from supervision.models import (
    AccountabilityRecord,
    Agency,
    Attachment,
    City,
    Division,
    Finding,
    FindingEvent,
    Notification,
    Person,
    VerticalManagement,
)


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
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "agency", "article", "severity", "status", "deadline", "found_by"]
    list_filter = ["status", "severity", "source", "agency__city"]
    search_fields = ["title", "article", "description"]
    list_select_related = ["agency", "found_by"]
    raw_id_fields = ["found_by", "responsible"]
    inlines = [FindingEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:  # findings are never hard-deleted
        return False


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "person", "consequence", "decided_by", "decided_on"]
    list_filter = ["consequence", "decided_on"]
    list_select_related = ["agency", "person"]
    raw_id_fields = ["person", "recorded_by"]

    def has_delete_permission(self, request, obj=None) -> bool:  # records are never hard-deleted
        return False
