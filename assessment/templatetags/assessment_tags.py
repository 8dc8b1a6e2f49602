"""Formatting of the assessment's numbers: weights without trailing zeros, signed changes, who did what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def weight(value: Decimal | None) -> str:
    """0.400 → 0.4; 0.333 → 0.333."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


@register.filter
def signed(value: Decimal | int | None) -> str:
    """A change with its sign: +1.25, -0.50, 0.00."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"+{value}" if value > 0 else str(value)
    value = Decimal(value).quantize(Decimal("0.01"))
    return f"+{value}" if value > 0 else str(value)


@register.filter
def person_name(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person else (user.get_full_name() or user.get_username())
