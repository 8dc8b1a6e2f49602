"""Set up assessments as users would: through the actions, never by writing rows directly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assessment import actions
from assessment.models import Assessment, AssessmentYear, Score, Track


def open_year(admin_user: Any, city: Any, year: int = 2026, **settings: Any) -> AssessmentYear:
    record = actions.year_create(acting_user=admin_user, city=city, year=year, **settings)
    actions.year_open(record, acting_user=admin_user)
    record.refresh_from_db()
    return record


def assessment_of(year: AssessmentYear, agency: Any) -> Assessment:
    return Assessment.objects.select_related("year", "agency").get(year=year, agency=agency)


def scores_of(assessment: Assessment, track: str) -> list[Score]:
    return list(assessment.scores.filter(item__track=track).select_related("item").order_by("item__position"))


def fill_track(
    assessment: Assessment, track: str, user: Any, points: list[Any] | Any = None, *, submit: bool = True
) -> Assessment:
    """Score every item of a track (full marks minus a little unless told) and submit it."""
    scores = scores_of(assessment, track)
    for index, score in enumerate(scores):
        if isinstance(points, list):
            value = points[index]
        elif points is not None:
            value = min(Decimal(str(points)), score.max_points)
        else:
            value = score.max_points - Decimal("1.5")
        actions.score_set(score, acting_user=user, points=value, comment=f"{score.item.name}评分说明")
    if submit:
        actions.track_submit(assessment, track, acting_user=user)
    assessment.refresh_from_db()
    return assessment


def score_fully(
    assessment: Assessment, assessor: Any, team_user: Any, basic: Any = None, target: Any = None
) -> Assessment:
    fill_track(assessment, Track.BASIC, assessor, basic)
    fill_track(assessment, Track.TARGET, team_user, target)
    return assessment


def confirmed(assessment: Assessment, assessor: Any, team_user: Any, **points: Any) -> Assessment:
    score_fully(assessment, assessor, team_user, **points)
    actions.assessment_confirm(assessment, acting_user=assessor)
    assessment.refresh_from_db()
    return assessment
