"""The year overview and the ranking take the same number of queries for 12 counties as for 120.

Two years are opened through the actions; the bulk of the results is then written with queryset
updates (scoring 1,680 items one by one through the action would make this test take a minute),
with the same values the actions would store.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from assessment import actions
from assessment.models import Assessment, Score
from tests.assessment.factories import assessment_of, confirmed, open_year
from tests.factories import AgencyFactory, DivisionFactory

pytestmark = pytest.mark.django_db


def build(org, admin_user, assessor, team_member, counties: int) -> None:
    for _ in range(counties - 3):  # the org fixture has three
        AgencyFactory(division=DivisionFactory(city=org.city))
    for number in (2025, 2026):
        year = open_year(admin_user, org.city, number)
        team = actions.team_create(
            year, acting_user=assessor, name="第一考核组", leader=team_member, members=[team_member]
        )
        assessments = list(Assessment.objects.filter(year=year).exclude(agency=org.hongqi))
        actions.team_set_counties(team, assessments, acting_user=assessor)
        if number == 2026:
            confirmed(assessment_of(year, org.weihui), assessor, team_member)  # one through every action
        rest = Assessment.objects.filter(year=year, status=Assessment.Status.DRAFT)
        half = list(rest.values_list("pk", flat=True))[: max(1, rest.count() // 2)]
        Score.objects.filter(assessment_id__in=half).update(points=F("max_points") - Decimal("1"))
        Assessment.objects.filter(pk__in=half).update(
            status=Assessment.Status.CONFIRMED,
            basic_total=Decimal("94.00"),
            target_total=F("pk") % 10 + Decimal("85"),
            final_score=Decimal("94.00") * Decimal("0.4") + (F("pk") % 10 + Decimal("85")) * Decimal("0.6"),
            confirmed_at=timezone.now(),
            objection_deadline=timezone.localdate(),
        )


@pytest.mark.parametrize("page", ["assessment:overview", "assessment:ranking"])
def test_query_count_is_the_same_at_12_and_120_counties(
    client, org, admin_user, assessor, team_member, django_assert_max_num_queries, page
):
    build(org, admin_user, assessor, team_member, 12)
    client.force_login(assessor)
    url = reverse(page, args=[2026])
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    for _ in range(108):
        AgencyFactory(division=DivisionFactory(city=org.city))
    for number in (2025, 2026):
        year = Assessment.objects.filter(year__year=number).first().year
        actions.year_add_missing_agencies(year, acting_user=assessor)
    Assessment.objects.filter(status=Assessment.Status.DRAFT).exclude(agency=org.hongqi).update(
        status=Assessment.Status.CONFIRMED,
        basic_total=Decimal("90.00"),
        target_total=Decimal("90.00"),
        final_score=Decimal("90.00"),
        confirmed_at=timezone.now(),
    )
    assert Assessment.objects.filter(year__year=2026).count() == 120
    with django_assert_max_num_queries(30) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries), [q["sql"][:120] for q in large.captured_queries]


def test_the_ranking_is_paginated_with_ranks_counted_over_every_county(
    client, org, admin_user, assessor, team_member, monkeypatch
):
    from assessment import queries

    build(org, admin_user, assessor, team_member, 12)
    monkeypatch.setattr(queries, "RANKING_PAGE_SIZE", 2)
    client.force_login(assessor)
    url = reverse("assessment:ranking", args=[2026])
    total = Assessment.objects.filter(year__year=2026).with_results().count()
    assert total > 2
    first = client.get(url).context
    second = client.get(url, {"page": 2}).context
    assert len(first["rows"]) == 2 and len(second["rows"]) == 2
    assert first["page"].paginator.count == total
    assert [row.rank for row in second["rows"]] == sorted(row.rank for row in second["rows"])
    assert second["rows"][0].rank >= first["rows"][-1].rank  # the page carries on the ranks of the whole year
    body = client.get(url, {"page": 2}).content.decode()
    assert f"已确认 {total} 个单位" in body and "第 2 / " in body


def test_the_public_ranking_is_cached_until_a_result_is_published_or_reopened(
    client, org, admin_user, assessor, team_member, django_assert_max_num_queries
):
    from django.core.cache import cache

    from assessment.models import AssessmentYear

    cache.clear()
    build(org, admin_user, assessor, team_member, 12)
    AssessmentYear.objects.filter(year=2026).update(status=AssessmentYear.Status.PUBLISHED, published_at=timezone.now())
    results = Assessment.objects.filter(year__year=2026).with_results().order_by("-final_score", "pk")
    top, second = list(results.select_related("agency")[:2])
    Assessment.objects.filter(pk=top.pk).update(status=Assessment.Status.PUBLISHED)
    url = reverse("assessment_public:ranking", args=[2026]) + f"?city={org.city.code}"

    def table(response) -> str:
        body = response.content.decode()
        return body[body.index('data-testid="public-ranking"') : body.index("</table>")]

    def cell(assessment: Assessment) -> str:
        return f"<td>{assessment.agency.name}</td>"

    first = client.get(url)
    assert cell(top) in first.content.decode() and cell(second) not in first.content.decode()
    with django_assert_max_num_queries(4):  # city, year, stamp: the rows come from the cache
        again = client.get(url)
    assert table(again) == table(first)

    Assessment.objects.filter(pk=second.pk).update(status=Assessment.Status.PUBLISHED)  # published
    assert cell(second) in client.get(url).content.decode()
    Assessment.objects.filter(pk=top.pk).update(
        status=Assessment.Status.CONFIRMED, version=F("version") + 1
    )  # reopened
    assert cell(top) not in client.get(url).content.decode()
