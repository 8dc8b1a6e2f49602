from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied as django_permission_denied

from supervision.security import log_refused


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 page; every refused authorization is logged."""
    log_refused(request, type(exception).__name__)
    return django_permission_denied(request, exception)
