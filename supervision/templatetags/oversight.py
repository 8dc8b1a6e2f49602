"""Template helpers of the supervision pages: the section tabs."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("supervision/oversight/tabs.html", takes_context=True)
def oversight_tabs(context: dict[str, Any], active: str) -> dict[str, Any]:
    """第十二条至第十五条 as tabs; supervisors (who belong to no unit) see the channel tab only."""
    from supervision.permissions import agencies_for

    request = context["request"]
    return {"active": active, "is_staff": agencies_for(request.user).exists()}
