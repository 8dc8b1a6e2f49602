"""Free text shown back is escaped in pages and PDFs; exports never carry a live formula (issue 10, item 4).

The matrix world is built with payloads instead of county marks: every free-text field of county A
starts with `FORMULA + MARKUP`, county B's (and its people's names) with `FORMULA`. Then every GET row
of the authorization matrix is fetched as the system administrator and as the county-A head (where
they may), and:

- an HTML page (or htmx fragment) must never contain the markup raw, only escaped;
- a PDF (read with pdftotext) shows the markup literally, as text, and the renderer fetched nothing
  (an `<img src=x>` taken for markup would make it ask for `x`: the fetcher logs every refusal);
- a spreadsheet or CSV has no formula cell, and the planted text is kept behind a leading quote —
  for `=cmd|…`, then, in a savepoint, with the text rewritten to start with `+1+1`, `-1` and `@SUM(1)`.

`test_every_spreadsheet_url_is_covered` fails when an export appears or disappears without this
module's list (`EXPORTS`) saying so.
"""

from __future__ import annotations

import copy
import csv
import io
import logging
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import verify_two_factor
from tests.security.matrix import ROWS, Row
from tests.security.test_authorization_matrix import XLSX, content_of
from tests.security.world import World, build_world

pytestmark = pytest.mark.filterwarnings("ignore::supervision.workdays.ScheduleUnknown")

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'&"
FORMULA = "=cmd|' /C calc'!A0"
OTHER_FORMULAS = ("+1+1", "-1", "@SUM(1)")
RAW = ("<script>alert(1)</script>", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Every URL name that answers with a spreadsheet or CSV (the score sheet also as CSV: ?format=csv).
EXPORTS = {
    "findings:export",
    "attendance:agency_month_export",
    "oversight:report_export",
    "oversight:seal_register",
    "assessment:export",
    "assessment:import_template",
    "complaints:export",
    "complaints:case_export",
    "integrity:inspection_export",
    "integrity:risk_export",
    "integrity:service_export",
    "disclosure:csv",
    "attendance:import_template",
}
EXTRA_QUERIES = {"assessment:import_template": [{"format": "csv"}]}
# Exports whose columns hold no free text anyone types (names of units and items, numbers, dates).
NO_FREE_TEXT = {"assessment:export": "the results workbook: units, items, points and ranks"}

SEEN: dict[str, set[str]] = {"escaped_pages": set(), "pdfs": set(), "spreadsheets": set(), "pages": set()}


class Refusals(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[World, dict[str, Client], Refusals]]:
    from assessment import actions as assessment_actions
    from supervision.actions import oversight as oversight_actions

    media = tmp_path_factory.mktemp("escaping-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    refusals = Refusals()
    documents = logging.getLogger("supervision.documents")
    documents.addHandler(refusals)
    settings = override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast)
    try:
        with settings, django_db_blocker.unblock(), transaction.atomic():
            built = build_world(mark_a=FORMULA + MARKUP, mark_b=FORMULA)
            score = built.a.basic_score
            assessment_actions.score_set(
                score, acting_user=built.users["assessor"], points=score.points, comment=FORMULA + MARKUP
            )
            plant_more(built, assessment_actions, oversight_actions)
            clients: dict[str, Client] = {}
            for actor in ("admin", "head"):
                client = Client(raise_request_exception=False)
                if actor == "admin":
                    verify_two_factor(client, built.users[actor])
                else:
                    client.force_login(built.users[actor])
                clients[actor] = client
            yield built, clients, refusals
            transaction.set_rollback(True)
    finally:
        documents.removeHandler(refusals)


def plant_more(built: World, assessment_actions: Any, oversight_actions: Any) -> None:
    """Free text the world leaves plain: a score's comment, a public disclosure, a reviewer's comments."""
    score = built.a.basic_score
    text = FORMULA + MARKUP
    assessment_actions.score_set(score, acting_user=built.users["assessor"], points=score.points, comment=text)
    oversight_actions.disclosure_publish(
        built.a.inspection_concluded, acting_user=built.approver, title=text, summary=text
    )
    oversight_actions.report_review(
        built.a.report_submitted, acting_user=built.users["admin"], accepted=False, comment=text
    )


def fetch(
    client: Client, row: Row, built: World, query: dict[str, str] | None = None, side: Any = None
) -> tuple[Any, bytes]:
    side = side or built.a
    url = reverse(row.name, kwargs=row.args(built, side) if row.args else None)
    data = {**(row.query or {}), **(row.data(built, side) if row.data else {}), **(query or {})}
    headers = {**(row.headers or {}), **({"HX-Request": "true"} if row.htmx else {})}
    saved = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            if row.prepare is not None:
                row.prepare(built, side, client)
            response = client.get(url, data or None, headers=headers)
            raw = content_of(response)
            transaction.set_rollback(True)
    finally:
        client.cookies = saved
    return response, raw


def content_type(response: Any) -> str:
    return response.get("Content-Type", "").split(";")[0]


GET_ROWS = [row for row in ROWS if row.method == "GET"]
SPREADSHEETS = (XLSX, "text/csv")


def readers(row: Row) -> list[str]:
    return [actor for actor in ("admin", "head") if row.expect[actor] == 200]


# ---------------------------------------------------------------------------------------------
# Pages and PDFs


def pdf_text(raw: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=raw, capture_output=True, timeout=60)
    if done.returncode != 0:  # the world's uploaded evidence is a stub, not a whole PDF
        return ""
    return done.stdout.decode("utf-8", errors="replace")


def check_html(label: str, body: str) -> list[str]:
    problems = [f"{label}: {raw!r} unescaped" for raw in RAW if raw in body]
    if ESCAPED in body:
        SEEN["escaped_pages"].add(label)
    return problems


def check_pdf(label: str, raw: bytes) -> list[str]:
    text = "".join(pdf_text(raw).split())  # lines wrap anywhere in a table cell
    if "alert(1)" not in text:
        return []
    SEEN["pdfs"].add(label)
    wanted = "".join(MARKUP.split())
    return [] if wanted in text else [f"{label}: the PDF does not show the text literally"]


@pytest.mark.django_db
@pytest.mark.parametrize("row", GET_ROWS, ids=[row.label for row in GET_ROWS])
def test_free_text_is_escaped_in_pages_and_pdfs(world, row: Row) -> None:
    built, clients, refusals = world
    problems = []
    for actor in readers(row):
        response, raw = fetch(clients[actor], row, built)
        label = f"{row.label} as {actor}"
        kind = content_type(response)
        SEEN["pages"].add(row.label)
        if kind in SPREADSHEETS:
            SEEN["spreadsheets"].add(row.name)
        if kind == "text/html":
            problems += check_html(label, raw.decode("utf-8", errors="replace"))
        elif kind == "application/pdf":
            problems += check_pdf(label, raw)
    assert not problems, "\n".join(problems)
    assert not refusals.messages, f"the PDF renderer was asked for: {refusals.messages}"


# ---------------------------------------------------------------------------------------------
# Spreadsheets and CSV


def cells(response: Any, raw: bytes) -> list[tuple[Any, str]]:
    """(value, openpyxl data type) of every cell; CSV fields count as text ('s')."""
    if content_type(response) == XLSX:
        workbook = load_workbook(io.BytesIO(raw))
        return [(cell.value, cell.data_type) for sheet in workbook for row in sheet.iter_rows() for cell in row]
    text = raw.decode("utf-8").lstrip("\ufeff")
    return [(value, "s") for line in csv.reader(io.StringIO(text)) for value in line]


def check_export(label: str, found: list[tuple[Any, str]], prefix: str) -> list[str]:
    problems = [f"{label}: a formula cell {value!r}" for value, kind in found if kind == "f"]
    texts = [value for value, _kind in found if isinstance(value, str)]
    live = [value for value in texts if value.startswith(("=", "+", "@")) or (value.startswith("-") and value != "-")]
    problems += [f"{label}: {value[:60]!r} would run as a formula" for value in live]
    kept = [value for value in texts if value.startswith("'" + prefix)]
    if not kept:
        problems.append(f"{label}: the planted text {prefix!r} is not there behind a quote")
    return problems


def _text_columns() -> list[tuple[Any, str]]:
    return [
        (model, field.attname)
        for model in apps.get_models()
        if model._meta.app_label in ("supervision", "assessment", "integrity", "complaints")
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    ]


PLANTED: list[tuple[Any, str]] = []  # the text columns holding planted text, found once


def rewrite_free_text(old: str, new: str) -> None:
    """Every text column of our apps that starts with `old` starts with `new` instead (inside a savepoint)."""
    if not PLANTED:
        PLANTED.extend(
            (model, name)
            for model, name in _text_columns()
            if model._base_manager.filter(**{f"{name}__startswith": old}).exists()
        )
    for model, name in PLANTED:
        filtered = model._base_manager.filter(**{f"{name}__startswith": old})
        filtered.update(**{name: Concat(models.Value(new), Substr(name, len(old) + 1))})


EXPORT_ROWS = [row for row in GET_ROWS if row.name in EXPORTS]


EXPORT_CASES = [(row, query) for row in EXPORT_ROWS for query in [{}, *EXTRA_QUERIES.get(row.name, [])]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "query"),
    EXPORT_CASES,
    ids=[f"{row.label} {query.get('format', 'default')}" for row, query in EXPORT_CASES],
)
def test_exports_neutralise_formulas(world, row: Row, query: dict[str, str]) -> None:
    built, clients, _refusals = world
    client = clients["admin"]
    side = built.b if row.cross else built.a  # county B's people carry the formula in their names too
    problems = []
    for prefix in (FORMULA, *OTHER_FORMULAS):
        with transaction.atomic():
            if prefix != FORMULA:
                rewrite_free_text(FORMULA, prefix)
            response, raw = fetch(client, row, built, query, side)
            transaction.set_rollback(True)
        assert response.status_code == 200, f"{row.label}: {response.status_code}"
        if row.name in NO_FREE_TEXT:
            continue
        problems += check_export(f"{row.label} {query or ''} [{prefix}]", cells(response, raw), prefix)
    assert not problems, "\n".join(problems)


def test_every_spreadsheet_url_is_covered() -> None:
    """Runs after the page checks: every GET row that answered with a spreadsheet is in EXPORTS, and every
    name there still does (EXPORT_ROWS, checked above, are the matrix rows of those names)."""
    if not SEEN["pages"]:
        pytest.skip("run with the page checks")
    assert SEEN["spreadsheets"] == EXPORTS, (
        f"new: {sorted(SEEN['spreadsheets'] - EXPORTS)}; gone: {sorted(EXPORTS - SEEN['spreadsheets'])}"
    )


def test_payloads_reached_pages_and_pdfs() -> None:
    """Runs after the page checks: the planted text was really shown (else the checks above prove nothing)."""
    if not SEEN["escaped_pages"]:
        pytest.skip("run with the page checks")
    assert len(SEEN["escaped_pages"]) >= 40, sorted(SEEN["escaped_pages"])
    assert len(SEEN["pdfs"]) >= 3, sorted(SEEN["pdfs"])
    print(f"escaped on {len(SEEN['escaped_pages'])} pages, literal in {len(SEEN['pdfs'])} PDFs")
