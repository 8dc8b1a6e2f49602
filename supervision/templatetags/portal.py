"""Template helpers shared by every page: the history panel and small formatting filters."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.utils.translation import gettext as _

register = template.Library()

HISTORY_LIMIT = 20


def _changes(record: Any, previous: Any | None) -> list[dict[str, Any]]:
    if previous is None:
        return []
    delta = record.diff_against(previous)
    fields = {f.name: f for f in record.instance_type._meta.fields}
    return [
        {
            "field": getattr(fields.get(change.field), "verbose_name", change.field),
            "old": _shown(fields.get(change.field), change.old),
            "new": _shown(fields.get(change.field), change.new),
        }
        for change in delta.changes
    ]


def _shown(field: Any, value: Any) -> Any:
    """A changed value as people read it: choice labels, 是/否 for booleans."""
    if field is None or value is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


@register.inclusion_tag("partials/history.html")
def history_panel(obj: models.Model, limit: int = HISTORY_LIMIT) -> dict[str, Any]:
    """Who changed what and when, newest first, with the fields each change touched."""
    records = list(
        obj.history.select_related("history_user__person").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        entries.append({"record": record, "changes": _changes(record, previous)})
    return {"entries": entries, "truncated": len(records) > limit}


@register.filter
def widget(bound_field: Any) -> str:
    """Render a field's widget with its Bootstrap class (whatever form it came from), marked invalid on errors."""
    from supervision.forms import bootstrap_class

    existing = bound_field.field.widget.attrs.get("class") or bootstrap_class(bound_field.field.widget)
    if not bound_field.errors:
        return bound_field.as_widget(attrs={"class": existing})
    return bound_field.as_widget(attrs={"class": f"{existing} is-invalid", "aria-invalid": "true"})
