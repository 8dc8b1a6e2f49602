"""Read-side helpers: rankings with ties, year-over-year change, trends, progress annotations.

Each returns in a fixed number of queries whatever the number of counties (the pages' query counts
are tested at 12 and 120 counties).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, Rank

from .models import Assessment, AssessmentYear, Delegation, Filing, Objection, Score, Track

# A ranking page shows this many rows (a province fits on one page; a national set takes several):
# the rows and charts of 2,850 counties at once took seconds to render.
RANKING_PAGE_SIZE = 200


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_progress(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Who still has to score what, delegation and pending work, as annotations (no query per row)."""
    scores = Score.objects.filter(assessment=OuterRef("pk"), points__isnull=True)
    return queryset.annotate(
        basic_missing=_count(scores.filter(item__track=Track.BASIC)),
        target_missing=_count(scores.filter(item__track=Track.TARGET)),
        open_objections=_count(Objection.objects.filter(assessment=OuterRef("pk"), status=Objection.Status.OPEN)),
        delegated=Exists(Delegation.objects.filter(assessment=OuterRef("pk"), revoked_at__isnull=True)),
        filing_pending=Exists(
            Filing.objects.filter(assessment=OuterRef("pk"), acknowledged_at__isnull=True, superseded=False)
        ),
    )


def ranks(year: AssessmentYear | int) -> dict[int, int]:
    """Rank of each confirmed result of the year by final score; ties share a rank (1, 2, 2, 4)."""
    rows = (
        Assessment.objects.with_results()
        .filter(year=year)
        .annotate(rank=Window(Rank(), order_by=F("final_score").desc()))
        .values_list("pk", "rank")
    )
    return dict(rows)


def previous_year(year: AssessmentYear) -> AssessmentYear | None:
    return AssessmentYear.objects.filter(city_id=year.city_id, year=year.year - 1).first()


@dataclass
class RankingRow:
    assessment: Assessment
    rank: int
    tied: bool
    previous_final: Decimal | None
    previous_rank: int | None

    @property
    def change(self) -> Decimal | None:
        if self.previous_final is None or self.assessment.final_score is None:
            return None
        return self.assessment.final_score - self.previous_final

    @property
    def rank_change(self) -> int | None:
        """Places gained since last year (positive: moved up)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


def ranking(
    year: AssessmentYear, queryset: QuerySet[Assessment] | None = None, *, public: bool = False
) -> list[RankingRow]:
    """The year's confirmed results in rank order, with last year's final and rank for each county.

    Staff see the rows of `queryset` ranked among every confirmed county. The public (`public=True`)
    sees published results only, ranked among themselves, compared with last year only when last
    year was published too.
    """
    base = queryset if queryset is not None else Assessment.objects.all()
    results = (
        Assessment.objects.filter(status=Assessment.Status.PUBLISHED) if public else Assessment.objects.with_results()
    )
    assessments = list(
        base.filter(pk__in=results.filter(year=year).values("pk"))
        .select_related("agency", "agency__division")
        .annotate(rank=Window(Rank(), order_by=F("final_score").desc()))
        .order_by("rank", "agency__division__code")
    )
    if queryset is not None and not public:
        # Ranks count every county of the year, even when the viewer sees only some of them.
        all_ranks = ranks(year)
        for assessment in assessments:
            assessment.rank = all_ranks[assessment.pk]
    previous: dict[int, tuple[Decimal, int]] = {}
    last = previous_year(year)
    if last is not None and (not public or last.status == AssessmentYear.Status.PUBLISHED):
        last_results = results.filter(year=last)
        last_ranks = dict(
            last_results.annotate(rank=Window(Rank(), order_by=F("final_score").desc())).values_list("pk", "rank")
        )
        for pk, agency_id, final in last_results.values_list("pk", "agency_id", "final_score"):
            previous[agency_id] = (final, last_ranks[pk])
    counts: dict[int, int] = {}
    for assessment in assessments:
        counts[assessment.rank] = counts.get(assessment.rank, 0) + 1
    rows = []
    for assessment in assessments:
        before = previous.get(assessment.agency_id)
        rows.append(
            RankingRow(
                assessment=assessment,
                rank=assessment.rank,
                tied=counts[assessment.rank] > 1,
                previous_final=before[0] if before else None,
                previous_rank=before[1] if before else None,
            )
        )
    return rows


def trend(year: AssessmentYear, agency_ids: list[int] | None = None) -> tuple[list[int], dict[str, list[Any]]]:
    """Each county's final score over the years up to `year` (confirmed results only)."""
    rows = Assessment.objects.with_results().filter(year__city_id=year.city_id, year__year__lte=year.year)
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=agency_ids)
    data = list(
        rows.values_list("agency__short_name", "agency__name", "agency__division__code", "year__year", "final_score")
    )
    years = sorted({row[3] for row in data})
    series: dict[tuple[str, str], dict[int, Decimal]] = {}
    for short, name, code, year_number, final in data:
        series.setdefault((code or "", short or name), {})[year_number] = final
    return years, {
        label: [values.get(y) for y in years] for (_code, label), values in sorted(series.items(), key=lambda kv: kv[0])
    }


def status_counts(queryset: QuerySet[Assessment]) -> dict[str, int]:
    return dict(queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


def user_todo(queryset: QuerySet[Assessment], user: Any, todo: str) -> QuerySet[Assessment]:
    """The "待我…" filters of the overview and the dashboard."""
    editable = Q(status__in=[Assessment.Status.DRAFT, Assessment.Status.SCORING])
    active_delegation = Delegation.objects.filter(assessment=OuterRef("pk"), revoked_at__isnull=True)
    if todo == "basic":
        return queryset.filter(editable, basic_submitted_at__isnull=True).exclude(Exists(active_delegation))
    if todo == "target":
        return queryset.filter(
            editable,
            target_submitted_at__isnull=True,
            team__memberships__user=user,
            team__memberships__removed_at__isnull=True,
        ).exclude(Exists(active_delegation))
    if todo == "delegated":
        return queryset.filter(Exists(active_delegation.filter(delegates=user))).exclude(
            status__in=[Assessment.Status.FILED, Assessment.Status.PUBLISHED]
        )
    if todo == "confirm":
        return queryset.filter(status=Assessment.Status.SUBMITTED)
    if todo == "objection":
        return queryset.filter(
            Exists(Objection.objects.filter(assessment=OuterRef("pk"), status=Objection.Status.OPEN))
        )
    if todo == "filing":
        return queryset.filter(
            Exists(Filing.objects.filter(assessment=OuterRef("pk"), acknowledged_at__isnull=True, superseded=False))
        )
    return queryset
