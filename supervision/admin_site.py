from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The configuration pages: system administrators only (第十八条 leaves the rules to the bureau)."""

    site_header = _("社会保险经办管理监督平台 · 系统管理")
    site_title = _("系统管理")
    index_title = _("配置")

    def has_permission(self, request: HttpRequest) -> bool:
        from supervision.permissions import is_system_admin

        user = request.user
        return bool(user.is_active and user.is_staff and is_system_admin(user))


class PortalAdminConfig(AdminConfig):
    default_site = "supervision.admin_site.PortalAdminSite"
