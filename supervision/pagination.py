from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: QuerySet | Sequence[Any], per_page: int = PAGE_SIZE) -> Page:
    """The requested page of a list; a page number out of range shows the last page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
