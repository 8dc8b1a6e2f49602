"""Template helpers of the integrity pages: the section tabs and small badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

TABS = [
    ("index", _("概览"), "integrity:index"),
    ("checklists", _("检查清单"), "integrity:checklist_list"),
    ("inspections", _("内控检查"), "integrity:inspection_list"),
    ("spot_checks", _("业务抽查"), "integrity:spot_check_list"),
    ("risks", _("风险管理"), "integrity:risk_list"),
    ("service", _("服务规范"), "integrity:service"),
    ("accountability", _("责任追究"), "integrity:accountability_list"),
    ("integrity", _("一岗双责与廉政承诺"), "integrity:commitment_list"),
    ("talks", _("廉政约谈"), "integrity:talk_list"),
]


@register.inclusion_tag("integrity/tabs.html", takes_context=True)
def integrity_tabs(context: dict[str, Any], active: str) -> dict[str, Any]:
    """The section tabs; 责任追究 and 廉政约谈 appear only to those entitled to them."""
    from integrity.access import may_view_talks
    from supervision.permissions import may_view_accountability

    user = context["request"].user
    hidden = set()
    if not may_view_accountability(user):
        hidden.add("accountability")
    if not may_view_talks(user):
        hidden.add("talks")
    tabs = [
        {"key": key, "label": label, "url": reverse(url_name), "active": key == active}
        for key, label, url_name in TABS
        if key not in hidden
    ]
    return {"tabs": tabs}


@register.inclusion_tag("integrity/level_badge.html")
def level_badge(level: Any) -> dict[str, Any]:
    return {"level": level, "label": getattr(level, "label", level)}
