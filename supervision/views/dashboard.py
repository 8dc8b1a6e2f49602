from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supervision.permissions import Role, roles_of


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    from supervision.registry import registry

    cards = []
    for card in registry.dashboard:
        counts = card.counts(request.user)
        if counts:
            cards.append({"title": card.title, "counts": counts})
    role_labels = [Role(name).label for name in sorted(roles_of(request.user)) if name in Role.values]
    return render(request, "supervision/dashboard.html", {"cards": cards, "role_labels": role_labels})
