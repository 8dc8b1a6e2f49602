"""Every list and overview page takes the same number of queries, at most MAX_QUERIES, for a small and a
larger city; so does the January report task per county.

The pages are the authorization matrix's GET rows that name no county's record (staff lists, dashboards,
exports, public pages), and the rows of LISTS_OF_ONE_COUNTY_OR_YEAR, which name a county or a year but
list its records. `test_every_page_with_arguments_is_classified` keeps that split complete: a new GET
row with a county's record in its URL goes into LISTS_OF_ONE_COUNTY_OR_YEAR or ONE_RECORD.

The small city is the matrix's world (four counties, two of them with every kind of record); the larger
one adds a county with every kind of record and more findings and complaints in county A, all through
the real actions. Each page is asked for as the role that sees the most (the first of SEES_MOST that
gets a 200), with nothing cached; the dashboard, whose cards differ with each role, as every role.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from zeal import zeal_context

from assessment import reports as assessment_reports
from assessment.models import Report
from tests.security.matrix import ROWS, Row
from tests.security.test_authorization_matrix import content_of
from tests.security.world import World, _complaints, _findings, add_county, signed_in_clients
from tests.shared_data import rolled_back

pytestmark = pytest.mark.filterwarnings("ignore::supervision.workdays.ScheduleUnknown")

MAX_QUERIES = 15
SEES_MOST = ("admin", "assessor", "office", "leader", "inspector", "handler", "team", "supervisor", "head", "anon")

LISTS_OF_ONE_COUNTY_OR_YEAR = {
    "assessment:overview",
    "assessment:ranking",
    "assessment:team_counties",
    "attendance:agency_day",
    "attendance:agency_month",
    "attendance:agency_month_export",
    "attendance:import_template",
    "org:agency_detail",
}
ONE_RECORD = {
    "assessment:agency", "assessment:catalogue", "assessment:objection", "assessment:report_download",
    "assessment:result", "assessment:score_detail", "assessment:team", "assessment:team_edit",
    "assessment:visit_new", "assessment:year_settings", "attachment_download", "attendance:import_preview", "attendance:import_upload", "attendance:leave_detail",
    "attendance:leave_pdf", "attendance:visit_detail", "complaints:case_detail", "complaints:detail",
    "complaints:letter", "disclosure:detail", "findings:detail", "integrity:accountability_detail",
    "integrity:assignment_detail", "integrity:assignment_edit", "integrity:commitment_detail",
    "integrity:inspection_detail", "integrity:inspection_edit", "integrity:inspection_report",
    "integrity:plan_detail", "integrity:plan_edit", "integrity:risk_detail", "integrity:risk_edit",
    "integrity:risk_report_detail", "integrity:risk_report_edit", "integrity:service_commitment_detail",
    "integrity:service_commitment_edit", "integrity:service_rule_detail", "integrity:service_rule_edit",
    "integrity:spot_check_detail", "integrity:spot_check_edit", "integrity:talk_detail",
    "oversight:activity_detail", "oversight:activity_edit", "oversight:activity_finding",
    "oversight:decision_new", "oversight:inquiry_detail", "oversight:inquiry_new",
    "oversight:inspection_detail", "oversight:inspection_finding", "oversight:material_new",
    "oversight:order_new", "oversight:report_detail", "oversight:report_edit", "oversight:seal_register",
    "oversight:visit_detail", "oversight:visit_finding",
}  # fmt: skip


def is_list(row: Row) -> bool:
    return row.method == "GET" and (not row.cross or row.name in LISTS_OF_ONE_COUNTY_OR_YEAR)


def sees_most(row: Row) -> str | None:
    return next((actor for actor in SEES_MOST if row.expect[actor] == 200), None)


CASES = [(row, actor) for row in ROWS if is_list(row) and (actor := sees_most(row)) is not None]

# The dashboard's cards differ with each role: it is asked for as every one of them, and as people whose
# cards come from what they do rather than from a role (the acting head, a delegate, the personnel section).
DASHBOARD = next(row for row in ROWS if row.name == "dashboard")
DASHBOARD_ACTORS = [actor for actor in SEES_MOST if actor != "anon"] + ["staff", "deputy", "delegate", "personnel"]


MEASURED = CASES + [(DASHBOARD, actor) for actor in DASHBOARD_ACTORS if (DASHBOARD, actor) not in CASES]


def signed_in(built: World) -> dict[str, Any]:
    return {**built.users, "deputy": built.a.deputy, "delegate": built.delegate, "personnel": built.personnel}


@dataclass
class Measured:
    small: dict[str, int]
    large: dict[str, int]
    problems: dict[str, str]


def case_id(row: Row, actor: str) -> str:
    return f"{row.label} as {actor}"


def count_queries(row: Row, actor: str, built: World, client: Client) -> int:
    """The queries of one request, nothing cached (rolled back after, like a matrix cell)."""
    saved = copy.deepcopy(client.cookies)  # the session row is rolled back with the request
    try:
        with transaction.atomic():
            if row.prepare is not None:
                row.prepare(built, built.a, client)
            url = reverse(row.name, kwargs=row.args(built, built.a) if row.args else None)
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, row.query, headers=row.headers)
                content_of(response)
            assert response.status_code == 200, f"{case_id(row, actor)}: {response.status_code}"
            transaction.set_rollback(True)
    finally:
        client.cookies = saved
    return len(queries.captured_queries)


def report_queries(built: World) -> dict[str, int]:
    """The January report task's two renderings, each a new version (the world's own are set aside):
    one county's report and the city summary, with the N+1 guard on as in a worker."""
    counts = {}
    for name, render, pk in (
        ("county report", assessment_reports.render_county_report, built.a.assessment_last.pk),
        ("city summary", assessment_reports.render_summary_report, built.year_last.pk),
    ):
        with transaction.atomic():
            Report.objects.filter(year=built.year_last).delete()
            with zeal_context(), CaptureQueriesContext(connection) as queries:
                assert not render(pk).reused
            transaction.set_rollback(True)
        counts[name] = len(queries.captured_queries)
    return counts


def grow(built: World) -> None:
    add_county(built, "获嘉县", "410724", "e")
    _findings(built, built.a)
    _complaints(built, built.a)


@pytest.fixture(scope="module")
def measured_world(matrix_world: World, django_db_blocker) -> Iterator[tuple[World, dict[str, Client]]]:
    with rolled_back(django_db_blocker):
        clients = {"anon": Client(), **signed_in_clients(signed_in(matrix_world))}
        ContentType.objects.get_for_models(*apps.get_models())  # cached for the process: every page alike
        yield matrix_world, clients


def measure_pages(built: World, clients: dict[str, Client], counts: dict[str, int], problems: dict[str, str]) -> None:
    for row, actor in MEASURED:
        case = case_id(row, actor)
        if case in problems:
            continue
        try:
            counts[case] = count_queries(row, actor, built, clients[actor])
        except Exception as error:  # the case's own test reports it
            problems[case] = f"{type(error).__name__}: {error}"


@pytest.fixture(scope="module")
def measured(measured_world, django_db_blocker) -> Measured:
    built, clients = measured_world
    small: dict[str, int] = {}
    large: dict[str, int] = {}
    problems: dict[str, str] = {}
    with rolled_back(django_db_blocker):  # the larger city is this module's own
        measure_pages(built, clients, small, problems)
        small.update(report_queries(built))
        grow(built)
        measure_pages(built, clients, large, problems)
        large.update(report_queries(built))
    return Measured(small, large, problems)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "actor"), CASES, ids=[case_id(row, actor) for row, actor in CASES])
def test_list_page_takes_the_same_few_queries_for_more_records(measured: Measured, row: Row, actor: str) -> None:
    assert_same_few_queries(measured, case_id(row, actor))


@pytest.mark.django_db
@pytest.mark.parametrize("actor", DASHBOARD_ACTORS)
def test_the_cold_dashboard_takes_the_same_few_queries_for_every_role(measured: Measured, actor: str) -> None:
    assert_same_few_queries(measured, case_id(DASHBOARD, actor))


def assert_same_few_queries(measured: Measured, case: str) -> None:
    assert case not in measured.problems, measured.problems[case]
    small, large = measured.small[case], measured.large[case]
    assert small == large, f"{case}: {small} queries for the small city, {large} for the larger one"
    assert small <= MAX_QUERIES, f"{case}: {small} queries (at most {MAX_QUERIES})"


@pytest.mark.django_db
@pytest.mark.parametrize("rendering", ["county report", "city summary"])
def test_january_report_queries_do_not_grow_with_the_counties(measured: Measured, rendering: str) -> None:
    small, large = measured.small[rendering], measured.large[rendering]
    assert small == large, f"{rendering}: {small} queries for the small city, {large} for the larger one"


def test_every_page_with_arguments_is_classified() -> None:
    with_arguments = {row.name for row in ROWS if row.method == "GET" and row.cross}
    unclassified = sorted(with_arguments - LISTS_OF_ONE_COUNTY_OR_YEAR - ONE_RECORD)
    assert not unclassified, f"add to LISTS_OF_ONE_COUNTY_OR_YEAR or ONE_RECORD: {unclassified}"
    assert not (LISTS_OF_ONE_COUNTY_OR_YEAR | ONE_RECORD) - with_arguments, "names no GET row has any more"


def test_there_are_pages_to_measure() -> None:
    assert len(CASES) > 80
