"""The assessment's public pages: published rankings, and the verification of a report by its code.

Only published results appear; a verification code reveals only what its report already states.

A ranking page's table, pagination and chart are cached in Redis, as the disclosure list is: the key
carries a stamp of the year's and last year's published results, so publishing or reopening a result
changes the key in the very transaction that makes it. When the cache fails, the page is rendered
without it.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from supervision.models import City
from supervision.pagination import paginate

from . import charts, queries, reports
from .models import Assessment, AssessmentYear
from .scoring import ROUNDING_RULE

logger = logging.getLogger(__name__)

CACHE_SECONDS = 10 * 60


def _public_city(request: HttpRequest) -> City:
    cities = City.objects.order_by("code")
    code = request.GET.get("city")
    city = cities.filter(code=code).first() if code else cities.first()
    if city is None:
        raise Http404
    return city


@login_not_required
@require_safe
def public_years(request: HttpRequest) -> HttpResponse:
    years = (
        AssessmentYear.objects.filter(status=AssessmentYear.Status.PUBLISHED)
        .select_related("city")
        .order_by("city__code", "-year")
    )
    return render(request, "assessment/public/years.html", {"years": years})


@login_not_required
@require_safe
def public_ranking(request: HttpRequest, year: int) -> HttpResponse:
    record = (
        AssessmentYear.objects.select_related("city")
        .filter(city=_public_city(request), year=year, status=AssessmentYear.Status.PUBLISHED)
        .first()
    )
    if record is None:
        raise Http404
    key = _ranking_cache_key(request, record)
    results = _cache_get(key)
    if not isinstance(results, str):
        results = _render_results(request, record)
        _cache_set(key, results)
    return render(
        request,
        "assessment/public/ranking.html",
        # Our own template's output, cached as text; it holds only escaped, published fields.
        {"year": record, "results": mark_safe(results), "rounding_rule": ROUNDING_RULE},  # noqa: S308
    )


def _ranking_stamp(record: AssessmentYear) -> str:
    """Changes whenever a result of the year or of last year is published or reopened (same transaction)."""
    stamp = Assessment.objects.filter(
        year__city_id=record.city_id,
        year__year__in=[record.year, record.year - 1],
        status=Assessment.Status.PUBLISHED,
    ).aggregate(rows=Count("pk"), ids=Sum("pk"), versions=Sum("version"))
    published = record.published_at.timestamp() if record.published_at else 0
    # Which results (their ids) and how often each was changed: one reopened and another published
    # in its place leave the number of rows unchanged.
    return f"{record.version}-{published:.6f}-{stamp['rows']}-{stamp['ids'] or 0}-{stamp['versions'] or 0}"


def _ranking_cache_key(request: HttpRequest, record: AssessmentYear) -> str:
    page = hashlib.sha256(request.GET.get("page", "").encode()).hexdigest()[:16]
    language = translation.get_language()
    return f"assessment:public-ranking:{record.pk}:{_ranking_stamp(record)}:{language}:{page}"


def _render_results(request: HttpRequest, record: AssessmentYear) -> str:
    """The table, pagination and chart of one page; its links carry only the city and the page."""
    page = paginate(request, queries.ranking(record, public=True), queries.RANKING_PAGE_SIZE)
    rows = page.object_list
    cacheable = copy.copy(request)
    cacheable.GET = QueryDict(mutable=True)
    for name in ("city", "page"):
        if name in request.GET:
            cacheable.GET[name] = request.GET[name]
    return render_to_string(
        "assessment/public/ranking_results.html",
        {"year": record, "rows": rows, "page": page, "ranking_chart": charts.ranking_bars(rows)},
        request=cacheable,
    )


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # Redis down or unreachable: serve without the cache
        logger.warning("ranking cache unavailable (get)", exc_info=True)
        return None


def _cache_set(key: str, value: str) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        logger.warning("ranking cache unavailable (set)", exc_info=True)


@login_not_required
@require_safe
def verify_form(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("assessment_public:verify", code[:40])
    return render(request, "assessment/public/verify_form.html")


@login_not_required
@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Is this report genuine and current? An unknown code learns nothing but that it is unknown."""
    verification = reports.verify(code)
    response = render(
        request,
        "assessment/public/verify.html",
        {"verification": verification, "code": code[:40]},
        status=200 if verification else 404,
    )
    response["Cache-Control"] = "no-store"
    return response
