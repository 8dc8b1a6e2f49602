"""Organisation pages: the agencies a user may see, and each agency with its people."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from supervision.attendance import presiding_people
from supervision.filters import AgencyFilter
from supervision.models import Person
from supervision.pagination import paginate
from supervision.permissions import agencies_for, get_agency_for_user


@require_safe
def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = (
        agencies_for(request.user)
        .select_related("city", "division")
        .annotate(people_count=Count("people", filter=Q(people__is_active=True)))
        .order_by("city__code", "division__code", "kind")
    )
    agency_filter = AgencyFilter(request.GET, queryset=agencies)
    page = paginate(request, agency_filter.qs)
    return render(request, "supervision/agency_list.html", {"filter": agency_filter, "page": page})


@require_safe
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_agency_for_user(request.user, pk)
    people = agency.people.active().select_related("user").order_by("position", "name")
    positions = dict(Person.Position.choices)
    vertical_years = agency.vertical_years.order_by("-year")
    # 第五条: who presides today — the head, or the acting person while the head is away.
    presiding = presiding_people([agency.pk])[agency.pk] if agency.is_county_agency else None
    return render(
        request,
        "supervision/agency_detail.html",
        {
            "agency": agency,
            "people": people,
            "positions": positions,
            "vertical_years": vertical_years,
            "presiding": presiding,
        },
    )
