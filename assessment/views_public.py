"""The assessment's public pages: published rankings, and the verification of a report by its code.

Only published results appear; a verification code reveals only what its report already states.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from supervision.models import City
from supervision.pagination import paginate

from . import charts, queries, reports
from .models import AssessmentYear
from .scoring import ROUNDING_RULE


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
    page = paginate(request, queries.ranking(record, public=True), queries.RANKING_PAGE_SIZE)
    rows = page.object_list
    return render(
        request,
        "assessment/public/ranking.html",
        {
            "year": record,
            "rows": rows,
            "page": page,
            "ranking_chart": charts.ranking_bars(rows),
            "rounding_rule": ROUNDING_RULE,
        },
    )


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
