"""The overview of internal control and integrity, and search across its records."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from integrity import access
from integrity.models import (
    Checklist,
    ControlInspection,
    IntegrityCommitment,
)
from integrity.risk_map import heat_map_context, risk_heat_map
from integrity.views.common import visible_inspections_with_relations
from supervision.permissions import (
    person_of,
)

# Overview and search


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    inspections = visible_inspections_with_relations(user)
    risks = access.visible_risks(user)
    # One query per kind of record, whatever the number of counts shown.
    open_statuses = [ControlInspection.Status.PLANNED, ControlInspection.Status.IN_PROGRESS]
    inspection_counts = inspections.order_by().aggregate(
        open=Count("pk", filter=Q(status__in=open_statuses), distinct=True),
        completed=Count("pk", filter=Q(status=ControlInspection.Status.COMPLETED), distinct=True),
    )
    risk_counts = risks.order_by().aggregate(
        open=Count("pk", filter=Q(pk__in=risks.open().values("pk")), distinct=True),
        due=Count("pk", filter=Q(pk__in=risks.due_for_review(today).values("pk")), distinct=True),
    )
    counts = {
        "inspections_open": inspection_counts["open"],
        "inspections_completed": inspection_counts["completed"],
        "risks_open": risk_counts["open"],
        "risks_due": risk_counts["due"],
        "commitments": access.visible_service_commitments(user).filter(is_active=True).count(),
    }
    cells = risk_heat_map(risks.open())
    person = person_of(user)
    my_commitments = (
        IntegrityCommitment.objects.filter(person=person, status=IntegrityCommitment.Status.PENDING).order_by("-year")
        if person
        else IntegrityCommitment.objects.none()
    )
    return render(
        request,
        "integrity/index.html",
        {
            "tab": "index",
            "counts": counts,
            "recent_inspections": inspections.order_by("-planned_on", "-pk")[:5],
            "heat": heat_map_context(cells, _("风险热力图")),
            "my_commitments": list(my_commitments),
            "checklists": Checklist.objects.order_by("article"),
        },
    )


SEARCH_LIMIT = 10


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search the records of this app the user may see; integrity talks only for the entitled."""
    user = request.user
    query = request.GET.get("q", "").strip()
    sections: list[dict[str, Any]] = []
    if query:
        sections = [
            {
                "title": _("内控检查"),
                "rows": [
                    (inspection.title, reverse("integrity:inspection_detail", args=[inspection.pk]), inspection.agency)
                    for inspection in visible_inspections_with_relations(user).filter(
                        Q(title__icontains=query) | Q(conclusion__icontains=query)
                    )[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("业务抽查"),
                "rows": [
                    (check.subject, reverse("integrity:spot_check_detail", args=[check.pk]), check.agency)
                    for check in access.visible_spot_checks(user)
                    .select_related("agency")
                    .filter(Q(subject__icontains=query) | Q(summary__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("风险台账"),
                "rows": [
                    (risk.title, reverse("integrity:risk_detail", args=[risk.pk]), risk.agency)
                    for risk in access.visible_risks(user)
                    .select_related("agency")
                    .filter(Q(title__icontains=query) | Q(description__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("风险处置预案"),
                "rows": [
                    (plan.title, reverse("integrity:plan_detail", args=[plan.pk]), plan.agency)
                    for plan in access.visible_plans(user)
                    .select_related("agency")
                    .filter(Q(title__icontains=query) | Q(triggers__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("服务承诺"),
                "rows": [
                    (item.item, reverse("integrity:service_commitment_detail", args=[item.pk]), item.agency)
                    for item in access.visible_service_commitments(user)
                    .select_related("agency")
                    .filter(Q(item__icontains=query) | Q(commitment__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("一岗双责"),
                "rows": [
                    (
                        f"{row.year} · {row.person.name} · {row.post}",
                        reverse("integrity:assignment_detail", args=[row.pk]),
                        row.agency,
                    )
                    for row in access.visible_assignments(user)
                    .select_related("agency", "person")
                    .filter(Q(person__name__icontains=query) | Q(post__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("廉政承诺书"),
                "rows": [
                    (
                        f"{row.year} · {row.person.name}",
                        reverse("integrity:commitment_detail", args=[row.pk]),
                        row.agency,
                    )
                    for row in access.visible_commitments(user)
                    .select_related("agency", "person")
                    .filter(person__name__icontains=query)[:SEARCH_LIMIT]
                ],
            },
        ]
        if access.may_view_talks(user):
            sections.append(
                {
                    "title": _("廉政约谈"),
                    "rows": [
                        (
                            f"{talk.held_on} · {talk.person.name} · {talk.get_kind_display()}",
                            reverse("integrity:talk_detail", args=[talk.pk]),
                            talk.agency,
                        )
                        for talk in access.visible_talks(user)
                        .select_related("agency", "person")
                        .filter(
                            Q(person__name__icontains=query) | Q(reason__icontains=query) | Q(content__icontains=query)
                        )[:SEARCH_LIMIT]
                    ],
                }
            )
    found = any(section["rows"] for section in sections)
    return render(
        request, "integrity/search.html", {"tab": "index", "query": query, "sections": sections, "found": found}
    )
