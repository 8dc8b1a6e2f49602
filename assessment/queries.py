"""Read-side helpers: rankings with ties, year-over-year change, trends, progress annotations.

Each returns in a fixed number of queries whatever the number of counties (the pages' query counts
are tested at 12 and 120 counties).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

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


def _ranks_by_score(results: QuerySet[Assessment]) -> dict[Decimal | None, tuple[int, int]]:
    """Rank and number of counties holding each final score of `results` (1, 2, 2, 4), as plain values.

    One grouped query however many counties: a national year's 2,850 results are never loaded as objects.
    """
    counted = results.order_by().values_list("final_score").annotate(n=Count("pk")).values_list("final_score", "n")
    return _rank_scores(counted)


def _rank_scores(counted: Iterable[tuple[Decimal | None, int]]) -> dict[Decimal | None, tuple[int, int]]:
    """Rank and number of holders of each score, from (score, holders) pairs."""
    # PostgreSQL sorts a missing score first in a descending order, as the Rank() window did.
    by_score = sorted(counted, key=lambda row: (row[0] is None, row[0] or 0), reverse=True)
    ranks: dict[Decimal | None, tuple[int, int]] = {}
    above = 0
    for score, n in by_score:
        ranks[score] = (above + 1, n)
        above += n
    return ranks


class Ranking(Sequence[RankingRow]):
    """The rows of a ranking, read a page at a time: the paginator's count and slice are SQL COUNT and LIMIT.

    Ranks, ties and last year's figures come from grouped plain values, never from every county's object.
    """

    def __init__(self, year: AssessmentYear, queryset: QuerySet[Assessment] | None, public: bool) -> None:
        self.year = year
        self.public = public
        results = (
            Assessment.objects.filter(status=Assessment.Status.PUBLISHED)
            if public
            else Assessment.objects.with_results()
        )
        self.results = results
        self.whole = queryset is None
        base = queryset if queryset is not None else Assessment.objects.all()
        self.rows = (
            base.filter(pk__in=results.filter(year=year).values("pk"))
            .select_related("agency", "agency__division")
            .order_by(F("final_score").desc(nulls_first=True), "agency__division__code", "pk")
        )
        self._count: int | None = None
        self._ranks: dict[Decimal | None, tuple[int, int]] | None = None

    def ranks(self) -> dict[Decimal | None, tuple[int, int]]:
        if self._ranks is None:
            self._ranks = _ranks_by_score(self.results.filter(year=self.year))
        return self._ranks

    def count(self) -> int:
        if self._count is None:
            # Every ranked county is shown: the ranks' grouped query has counted them already.
            self._count = sum(n for _rank, n in self.ranks().values()) if self.whole else self.rows.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[RankingRow]:
        return iter(self[0 : len(self)])

    @overload
    def __getitem__(self, index: int) -> RankingRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[RankingRow]: ...

    def __getitem__(self, index: int | slice) -> RankingRow | list[RankingRow]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        assessments = list(self.rows[index])
        if not assessments:
            return []
        ranks = self.ranks()
        previous = self._previous({a.agency_id for a in assessments})
        rows = []
        for assessment in assessments:
            rank, holders = ranks[assessment.final_score]
            before = previous.get(assessment.agency_id)
            rows.append(
                RankingRow(
                    assessment=assessment,
                    rank=rank,
                    tied=holders > 1,
                    previous_final=before[0] if before else None,
                    previous_rank=before[1] if before else None,
                )
            )
        return rows

    def _previous(self, agency_ids: set[int]) -> dict[int, tuple[Decimal, int]]:
        """Last year's final score and rank of these agencies (the public compares with a published year only)."""
        last = previous_year(self.year)
        if last is None or (self.public and last.status != AssessmentYear.Status.PUBLISHED):
            return {}
        # Every result of last year as plain pairs, one query: its ranks need them all anyway.
        finals = list(self.results.filter(year=last).order_by().values_list("agency_id", "final_score"))
        last_ranks = _rank_scores(Counter(final for _agency_id, final in finals).items())
        return {agency_id: (final, last_ranks[final][0]) for agency_id, final in finals if agency_id in agency_ids}


def ranking(year: AssessmentYear, queryset: QuerySet[Assessment] | None = None, *, public: bool = False) -> Ranking:
    """The year's confirmed results in rank order, with last year's final and rank for each county.

    Staff see the rows of `queryset` ranked among every confirmed county. The public (`public=True`)
    sees published results only, ranked among themselves, compared with last year only when last
    year was published too. Ties are counted among every ranked county, as ranks are.
    """
    return Ranking(year, queryset, public)


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
