from __future__ import annotations

from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from supervision.models import Agency, City, Division, Person, VerticalManagement


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
