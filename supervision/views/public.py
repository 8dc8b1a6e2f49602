"""The public portal: everything here is reachable without signing in, and only what is listed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supervision.registry import registry


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"sections": registry.public})
