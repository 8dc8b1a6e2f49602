"""Server time and SQL queries of every list/overview page and the public pages (Django test client).

The pages come from the authorization matrix (`tests/security/matrix.py`): every GET row whose URL
needs nothing but a year or an agency, minus forms, exports and sign-in steps, each requested as the
first role the matrix lets see it. Each page is requested as the province's persona and as the
small city's (the second data size), cold (cache emptied before each request) and warm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .common import Results, median, ms, p95
from .dataset import NATIONAL_CODE, SMALL_CODE, CityData, Dataset

# Preferred persona when several may see a page: city-level staff reach the whole city.
PREFERENCE = ("assessor", "inspector", "handler", "leader", "office", "team", "head", "staff", "supervisor", "admin")
SKIPPED_SUFFIXES = (
    "_new",
    ":new",
    "_edit",
    "export",
    ":csv",
    ":json",
    "_issue",
    "_start",
    "import_template",
    "year_settings",
)
SKIPPED = {
    "login",
    "two_factor",
    "password_change",
    "password_change_done",
    "complaints:receipt",
    "complaints:track_result",
    "complaints:new",
    "captcha-image",
    "captcha-image-2x",
    "assessment:index",
    "assessment_public:verify_form",
    "attendance:agency_month_export",
    "assessment_public:ranking",  # measured below with the published years
}
QUERY_BUDGET = 15
TIME_BUDGET = 0.300
NATIONAL_BUDGET = 1.0


@dataclass
class Page:
    label: str
    name: str
    actor: str  # "anon" or a persona key
    kwargs: dict[str, Any]
    query: dict[str, str]
    budget: float = TIME_BUDGET
    compare: bool = True  # measured at the small size too

    def url(self) -> str:
        path = reverse(self.name, kwargs=self.kwargs or None)
        if self.query:
            from urllib.parse import urlencode

            path += "?" + urlencode(self.query)
        return path


def _fake_world(data: CityData, data_years: dict[str, int]) -> tuple[Any, Any]:
    year = SimpleNamespace(year=data_years["confirmed"])
    world = SimpleNamespace(year=year, year_last=year, year_ready=year, year_next=year)
    side = SimpleNamespace(agency=data.agencies[0])
    return world, side


def _actor(expect: dict[str, Any]) -> str | None:
    if expect.get("anon") == 200:
        return "anon"
    for actor in PREFERENCE:
        if expect.get(actor) == 200:
            return actor
    return None


def discover(data: CityData) -> list[Page]:
    from tests.security.matrix import ROWS

    world, side = _fake_world(data, data.years)
    pages: dict[str, Page] = {}
    for row in ROWS:
        if row.method != "GET" or row.name in SKIPPED or row.name.endswith(SKIPPED_SUFFIXES):
            continue
        if row.name.startswith("admin:") or row.headers or row.htmx:
            continue
        try:
            kwargs = row.args(world, side) if row.args else {}
        except AttributeError:
            continue  # the URL names one record: a detail page, not a list
        actor = _actor(row.expect)
        if actor is None or row.label in pages:
            continue
        pages[row.label] = Page(row.label, row.name, actor, kwargs, dict(row.query or {}))
    return list(pages.values())


def extra_pages(dataset: Dataset) -> list[Page]:
    """Pages the matrix rows name only through records (the rankings), and the dashboard of every role."""
    province = dataset.province
    dashboards = [
        Page(f"GET dashboard [{actor}]", "dashboard", actor, {}, {})
        for actor in PREFERENCE
        if actor != PREFERENCE[0]  # the matrix's row measures the first
    ]
    return [
        *dashboards,
        Page(
            "GET assessment:overview [year being scored]",
            "assessment:overview",
            "assessor",
            {"year": province.years["scoring"]},
            {},
        ),
        Page(
            "GET assessment_public:ranking",
            "assessment_public:ranking",
            "anon",
            {"year": province.years["published"]},
            {"city": province.city.code},
        ),
        Page(
            "GET assessment:ranking [national, 2,850 counties]",
            "assessment:ranking",
            "assessor",
            {"year": dataset.national.years["published"]},
            {},
            budget=NATIONAL_BUDGET,
            compare=False,
        ),
        Page(
            "GET assessment_public:ranking [national, 2,850 counties]",
            "assessment_public:ranking",
            "anon",
            {"year": dataset.national.years["published"]},
            {"city": NATIONAL_CODE},
            budget=NATIONAL_BUDGET,
            compare=False,
        ),
    ]


def _client(data: CityData, actor: str) -> Client:
    client = Client()
    if actor == "anon":
        return client
    user = data.users[actor]
    client.force_login(user)
    if user.is_superuser:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@dataclass
class Measure:
    times: list[float]
    queries: list[int]
    status: int


def _request(client: Client, url: str, *, cold: bool) -> tuple[float, int, int]:
    if cold:
        cache.clear()
    # The log keeps 9,000 queries at most, and a full log makes CaptureQueriesContext count nothing.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    return elapsed, len(captured), response.status_code


def measure(client: Client, url: str, runs: int, *, cold: bool) -> Measure:
    # One request first, unmeasured: it fills the process's own caches (content types, templates)
    # and, for the warm runs, the cache.
    _request(client, url, cold=False)
    times, queries, status = [], [], 0
    for _ in range(runs):
        elapsed, count, status = _request(client, url, cold=cold)
        times.append(elapsed)
        queries.append(count)
    return Measure(times, queries, status)


def _small_kwargs(page: Page, dataset: Dataset) -> tuple[dict[str, Any], dict[str, str]]:
    kwargs = dict(page.kwargs)
    if "pk" in kwargs and kwargs["pk"] == dataset.province.agencies[0].pk:
        kwargs["pk"] = dataset.small.agencies[0].pk
    query = dict(page.query)
    if query.get("city"):
        query["city"] = SMALL_CODE
    return kwargs, query


def run(dataset: Dataset, results: Results, *, warm_runs: int, cold_runs: int) -> None:
    pages = discover(dataset.province) + extra_pages(dataset)
    rows = []
    # A fresh sign-in for each page: a session older than a minute has its idle clock written by the
    # next request (three queries of bookkeeping, not the page's).
    client_for = _client

    for page in pages:
        data = dataset.national if "national" in page.label else dataset.province
        url = page.url()
        client = client_for(data, page.actor)
        cold = measure(client, url, cold_runs, cold=True)
        warm = measure(client, url, warm_runs, cold=False)
        small_cold = small_warm = None
        if page.compare:
            kwargs, query = _small_kwargs(page, dataset)
            small_url = Page(page.label, page.name, page.actor, kwargs, query).url()
            small_client = client_for(dataset.small, page.actor)
            small_cold = measure(small_client, small_url, 2, cold=True)
            small_warm = measure(small_client, small_url, 2, cold=False)
        _judge(results, page, cold, warm, small_cold, small_warm)
        rows.append((page, cold, warm, small_cold, small_warm))
    results.section("Pages: server time and SQL queries", _table(rows, warm_runs, cold_runs))


def _judge(results: Results, page: Page, cold: Measure, warm: Measure, small_cold: Any, small_warm: Any) -> None:
    worst = max(p95(cold.times), p95(warm.times))
    results.check(f"{page.label} [{page.actor}] status", cold.status, "200", cold.status == 200 and warm.status == 200)
    results.check(
        f"{page.label} p95 (cold {ms(p95(cold.times))}, warm {ms(p95(warm.times))})",
        ms(worst),
        f"≤ {ms(page.budget)}",
        worst <= page.budget,
    )
    most = max(max(cold.queries), max(warm.queries))
    results.check(f"{page.label} queries", most, f"≤ {QUERY_BUDGET}", most <= QUERY_BUDGET)
    if small_cold is not None:
        # The usual count of each (the median), so that one odd request does not decide.
        usual = [round(median(m.queries)) for m in (cold, small_cold, warm, small_warm)]
        same = usual[0] == usual[1] and usual[2] == usual[3]
        results.check(
            f"{page.label} queries at two sizes (cold {usual[0]}/{usual[1]}, warm {usual[2]}/{usual[3]})",
            "equal" if same else "differ",
            "equal",
            same,
        )


def _table(rows: list[tuple[Any, ...]], warm_runs: int, cold_runs: int) -> str:
    lines = [
        f"Each page: {cold_runs} cold requests (cache emptied before each) and {warm_runs} warm ones, after one "
        "to fill the cache, each page with a fresh sign-in. Times in ms; queries: the most seen, province / small "
        "city (the check compares the usual counts).",
        "",
        "| page | as | cold median | cold p95 | warm median | warm p95 | queries cold | queries warm | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for page, cold, warm, small_cold, small_warm in rows:
        qc = f"{max(cold.queries)}" + (f" / {max(small_cold.queries)}" if small_cold else "")
        qw = f"{max(warm.queries)}" + (f" / {max(small_warm.queries)}" if small_warm else "")
        lines.append(
            f"| {page.label.removeprefix('GET ')} | {page.actor} | {median(cold.times) * 1000:.0f} | "
            f"{p95(cold.times) * 1000:.0f} | {median(warm.times) * 1000:.0f} | {p95(warm.times) * 1000:.0f} | "
            f"{qc} | {qw} | ≤ {page.budget * 1000:.0f} ms, ≤ {QUERY_BUDGET} |"
        )
    return "\n".join(lines)
