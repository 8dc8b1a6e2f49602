from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from supervision.permissions import has_role, person_of
from supervision.registry import registry


def _nav_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    if not user.is_authenticated:
        return []
    return [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": bool(item.active_prefix) and request.path.startswith(item.active_prefix),
        }
        for item in registry.nav
        if item.roles is None or has_role(user, *item.roles)
    ]


def _unread_count(request: HttpRequest) -> int:
    if not request.user.is_authenticated:
        return 0
    return request.user.notifications.unread().count()


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "unread_notifications": SimpleLazyObject(lambda: _unread_count(request)),
        "portal_name": settings.PORTAL_NAME,
        "bureau_name": settings.BUREAU_NAME,
        "nav_items": SimpleLazyObject(lambda: _nav_for(request)),
        "current_person": SimpleLazyObject(lambda: person_of(request.user)),
    }
