from __future__ import annotations

import contextlib
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe

from supervision import data_version
from supervision.counting import count_each
from supervision.permissions import Role, roles_of
from supervision.registry import DashboardCount, registry

# The cards' counts cost a few queries; they are kept per user until any data changes.
CARDS_SECONDS = 60


def _cards(user: Any) -> list[dict[str, Any]]:
    drawn = [(card, card.counts(user)) for card in registry.dashboard]
    numbers = iter(_numbers([count for _card, counts in drawn for count in counts]))
    cards = []
    for card, counts in drawn:
        shown = []
        for count in counts:
            value = next(numbers)
            if value or not count.hide_zero:
                shown.append({"label": str(count.label), "value": value, "url": count.url, "tone": count.tone})
        if shown:
            cards.append({"title": str(card.title), "counts": shown})
    return cards


def _numbers(counts: list[DashboardCount]) -> list[int]:
    """Each count's number, in order; the querysets among them are counted together, in one query."""
    lazy = {f"c{index}": count.value for index, count in enumerate(counts) if isinstance(count.value, QuerySet)}
    totals = count_each(**lazy)
    return [totals.get(f"c{index}", count.value) for index, count in enumerate(counts)]


def _cached_cards(user: Any) -> list[dict[str, Any]]:
    version = data_version.current()
    if version is None:
        return _cards(user)
    key = f"dashboard:cards:{user.pk}:{translation.get_language()}:{version}"
    try:
        cards = cache.get(key)
    except Exception:
        return _cards(user)
    if cards is None:
        cards = _cards(user)
        with contextlib.suppress(Exception):  # the page is served without the cache
            cache.set(key, cards, CARDS_SECONDS)
    return cards


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    cards = _cached_cards(request.user)
    role_labels = [Role(name).label for name in sorted(roles_of(request.user)) if name in Role.values]
    return render(request, "supervision/dashboard.html", {"cards": cards, "role_labels": role_labels})
