"""Counting several querysets, of any models, in one query."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def count_each(**querysets: QuerySet[Any]) -> dict[str, int]:
    """What each queryset's `.count()` answers, read in one SELECT of one scalar subquery per queryset.

    For pages showing many unrelated numbers (the dashboard's cards): one round trip, not one per number.
    """
    counts: dict[str, int] = {}
    names: list[str] = []
    selects: list[str] = []
    params: list[Any] = []
    for name, queryset in querysets.items():
        try:
            sql, own_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter nothing can match
            counts[name] = 0
            continue
        # The text is Django's own compiled SQL; values stay parameters.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted{len(selects)})")  # noqa: S608
        params.extend(own_params)
        names.append(name)
    if selects:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            counts.update(zip(names, cursor.fetchone(), strict=True))
    return counts
