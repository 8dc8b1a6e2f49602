"""xlsx imports of 5,000 rows: the score import (assessment) and the attendance-machine import (attendance).

Each import is what a user does: upload (the preview, nothing written) and apply (all or nothing).
Measured: the wall time of both steps, the SQL queries per 1,000 rows (at 1,000 and at the full
number of rows: they must not grow faster than the rows), the peak memory (Python heap) of an
import of the full size, that every change has its history row, and that one row refused at apply
time writes nothing.
"""

from __future__ import annotations

import io
import secrets
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from openpyxl import Workbook

from assessment import resources as score_resources
from assessment.models import AssessmentYear, Score

from .common import Results
from .dataset import Dataset

RUN = secrets.token_hex(3)  # in the file names, hence in the history reasons counted below
TIME_BUDGET = 15.0
QUERY_GROWTH = 1.10  # queries per 1,000 rows at the full size may exceed the small size's by 10 % at most


class PeakMemory:
    """The peak of the Python heap while the block runs, above its size at the start (tracemalloc).

    The resident set size would say little: the process has grown during the earlier parts and
    reuses that memory. tracemalloc slows the block down, so timed runs are never traced.
    """

    def __enter__(self) -> PeakMemory:
        tracemalloc.start()
        self.start = tracemalloc.get_traced_memory()[0]
        self.peak = self.start
        return self

    def __exit__(self, *exc: Any) -> None:
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    @property
    def megabytes(self) -> float:
        return (self.peak - self.start) / 1024 / 1024


@dataclass
class Outcome:
    rows: int
    preview: float
    apply: float
    queries: int
    memory: float
    written: int
    history: int

    @property
    def seconds(self) -> float:
        return self.preview + self.apply

    @property
    def per_thousand(self) -> float:
        return self.queries * 1000 / self.rows


def _xlsx(headers: list[str], rows: list[list[Any]], name: str) -> SimpleUploadedFile:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


class QueryCounter:
    """Counts every statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _measure(preview: Callable[[], Any], apply: Callable[[Any], Any]) -> tuple[float, float, int, float, Any]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        record = preview()
        previewed = time.perf_counter()
        outcome = apply(record)
        applied = time.perf_counter()
    return previewed - started, applied - previewed, counter.count, 0.0, outcome


# ---------------------------------------------------------------------------------------------
# Scores


def _score_sheet(year: AssessmentYear, rows: int, deduction: Decimal) -> SimpleUploadedFile:
    scores = (
        Score.objects.filter(assessment__year=year)
        .select_related("item", "assessment__agency__division")
        .order_by("assessment__agency__division__code", "item__track", "item__position")[:rows]
    )
    headers = [
        score_resources.COL_YEAR,
        score_resources.COL_COUNTY,
        score_resources.COL_TRACK,
        score_resources.COL_POSITION,
        score_resources.COL_ITEM,
        score_resources.COL_MAX,
        score_resources.COL_POINTS,
        score_resources.COL_COMMENT,
    ]
    data = [
        [
            year.year,
            score.assessment.agency.division.name,
            str(score.item.get_track_display()),
            score.item.position,
            score.item.name,
            score.max_points,
            score.max_points - deduction,
            f"{score.item.name}：导入评分",
        ]
        for score in scores
    ]
    return _xlsx(headers, data, f"评分{rows}-{deduction}-{RUN}.xlsx")


def _score_import(year: AssessmentYear, user: Any, rows: int, deduction: Decimal) -> Outcome:
    upload = _score_sheet(year, rows, deduction)
    preview_seconds, apply_seconds, queries, memory, outcome = _measure(
        lambda: score_resources.import_preview(year, upload, acting_user=user),
        lambda record: score_resources.import_apply(record, acting_user=user),
    )
    if outcome.errors:
        raise RuntimeError(f"the score import was refused: {outcome.errors[:3]}")
    reason = f"Excel导入：{upload.name}"
    history = Score.history.filter(history_change_reason=reason).count()
    return Outcome(rows, preview_seconds, apply_seconds, queries, memory, outcome.applied, history)


def _score_all_or_nothing(year: AssessmentYear, user: Any, rows: int) -> tuple[bool, float]:
    """Someone changes the last row's score between preview and apply: apply must write nothing."""
    deduction = Decimal("2.5")
    upload = _score_sheet(year, rows, deduction)
    with PeakMemory() as memory:
        record = score_resources.import_preview(year, upload, acting_user=user)
        last = (
            Score.objects.filter(assessment__year=year)
            .order_by("assessment__agency__division__code", "item__track", "item__position")[rows - 1 : rows]
            .get()
        )
        Score.objects.filter(pk=last.pk).update(version=F("version") + 1)
        outcome = score_resources.import_apply(record, acting_user=user)
    written = Score.objects.filter(assessment__year=year, points=F("max_points") - deduction).count()
    return bool(outcome.errors) and outcome.applied == 0 and written == 0, memory.megabytes


def run_scores(dataset: Dataset, results: Results, rows: int) -> list[Outcome]:
    national = dataset.national
    year = AssessmentYear.objects.get(city=national.city, year=national.years["scoring"])
    user = national.users["assessor"]
    Score.objects.filter(assessment__year=year).update(points=None, comment="")  # a rerun with --keep
    small = _score_import(year, user, 1000, Decimal("0.5"))
    full = _score_import(year, user, rows, Decimal("1.0"))
    atomic, full.memory = _score_all_or_nothing(year, user, rows)
    _judge(results, "score import", small, full, atomic)
    return [small, full]


# ---------------------------------------------------------------------------------------------
# Attendance: the attendance-machine import of branch feat-imports (supervision.actions.attendance_import)


def run_attendance(dataset: Dataset, results: Results, rows: int) -> list[Outcome] | None:
    try:
        from supervision.actions import attendance_import  # noqa: F401
    except ImportError:
        results.check("attendance import", "not available in this checkout", "5,000 rows ≤ 15 s", False)
        return None
    return _attendance(dataset, results, rows)


def _attendance_sheet(agency: Any, rows: int, name: str) -> tuple[SimpleUploadedFile, list[tuple[Any, Any]]]:
    """Machine punches of the agency's staff, on days before the dataset's year of sign-ins."""
    import datetime

    from django.utils import timezone

    from supervision.actions import attendance_import
    from supervision.models import Person

    people = list(Person.objects.filter(agency=agency, user__isnull=True).order_by("name"))
    first = timezone.localdate() - datetime.timedelta(days=400)
    data, keys = [], []
    for n in range(rows):
        person = people[n % len(people)]
        day = first - datetime.timedelta(days=n // len(people))
        data.append([person.name, day.isoformat(), f"08:{n % 50:02d}"])
        keys.append((person, day))
    headers = [attendance_import.COL_NAME, attendance_import.COL_DATE, attendance_import.COL_TIME]
    return _xlsx(headers, data, name), keys


def _attendance_import(agency: Any, user: Any, rows: int) -> Outcome:
    from supervision.actions import attendance_import
    from supervision.models import SignIn

    upload, _keys = _attendance_sheet(agency, rows, f"考勤机{agency.pk}-{rows}-{RUN}.xlsx")
    preview_seconds, apply_seconds, queries, memory, outcome = _measure(
        lambda: attendance_import.preview(agency, upload, acting_user=user),
        lambda record: attendance_import.apply(record, acting_user=user),
    )
    if outcome.errors:
        raise RuntimeError(f"the attendance import was refused: {outcome.errors[:3]}")
    history = SignIn.history.filter(history_change_reason=f"考勤机记录导入：{upload.name}"[:100]).count()
    return Outcome(rows, preview_seconds, apply_seconds, queries, memory, outcome.created, history)


def _attendance_all_or_nothing(agency: Any, user: Any, rows: int) -> tuple[bool, float]:
    """Someone signs in in the browser, for a day of the file, between preview and apply: nothing is written."""
    from supervision.actions import attendance_import
    from supervision.models import Person, SignIn

    upload, keys = _attendance_sheet(agency, rows, f"考勤机冲突{agency.pk}.xlsx")
    before = SignIn.objects.filter(agency=agency).count()
    with PeakMemory() as memory:
        record = attendance_import.preview(agency, upload, acting_user=user)
        person, _day = keys[-1]
        # The person of the last row is renamed between preview and apply: that row no longer matches.
        Person.objects.filter(pk=person.pk).update(name=f"{person.name}（已更名）")
        outcome = attendance_import.apply(record, acting_user=user)
    Person.objects.filter(pk=person.pk).update(name=person.name)
    atomic = bool(outcome.errors) and outcome.created == 0 and SignIn.objects.filter(agency=agency).count() == before
    return atomic, memory.megabytes


def _attendance(dataset: Dataset, results: Results, rows: int) -> list[Outcome]:
    province = dataset.province
    from supervision.models import SignIn

    user = province.users["office"]
    SignIn.objects.filter(imported_from__isnull=False).delete()  # a rerun with --keep
    small = _attendance_import(province.agencies[1], user, 1000)
    full = _attendance_import(province.agencies[2], user, rows)
    atomic, full.memory = _attendance_all_or_nothing(province.agencies[3], user, rows)
    _judge(results, "attendance import", small, full, atomic)
    return [small, full]


# ---------------------------------------------------------------------------------------------


def _judge(results: Results, name: str, small: Outcome, full: Outcome, atomic: bool) -> None:
    results.check(
        f"{name}: {full.rows:,} rows (preview {full.preview:.1f} s + apply {full.apply:.1f} s)",
        f"{full.seconds:.1f} s",
        f"≤ {TIME_BUDGET:.0f} s",
        full.seconds <= TIME_BUDGET,
    )
    growth = full.per_thousand / small.per_thousand if small.per_thousand else 0
    results.check(
        f"{name}: queries per 1,000 rows ({small.rows:,} rows: {small.per_thousand:.0f}; {full.rows:,} rows: {full.per_thousand:.0f})",
        f"{growth:.2f}×",
        f"≤ {QUERY_GROWTH:.2f}× (constant)",
        growth <= QUERY_GROWTH,
    )
    results.check(f"{name}: peak memory", f"{full.memory:.0f} MB")
    results.check(
        f"{name}: history rows for {full.written:,} changes",
        f"{full.history:,}",
        "one per change",
        full.history == full.written and full.written > 0,
    )
    results.check(
        f"{name}: a row refused at apply ({full.rows:,} rows) writes nothing", "yes" if atomic else "no", "yes", atomic
    )


def run(dataset: Dataset, results: Results, *, rows: int) -> None:
    outcomes = {"score import": run_scores(dataset, results, rows)}
    attendance = run_attendance(dataset, results, rows)
    if attendance:
        outcomes["attendance import"] = attendance
    lines = [
        "Upload (preview, nothing written) then apply (all or nothing), as the pages do; queries of both steps; "
        "memory: peak of the Python heap (tracemalloc) during a third, untimed run of the full size that is refused at apply "
        "(one row changed in between), so that it reads, plans and writes everything and then rolls back.",
        "",
        "| import | rows | preview | apply | total | queries | per 1,000 rows | peak memory | history rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measured in outcomes.items():
        for outcome in measured:
            lines.append(
                f"| {name} | {outcome.rows:,} | {outcome.preview:.1f} s | {outcome.apply:.1f} s | {outcome.seconds:.1f} s | "
                f"{outcome.queries:,} | {outcome.per_thousand:.0f} | {f'{outcome.memory:.0f} MB' if outcome.memory else '—'} | "
                f"{outcome.history:,} |"
            )
    results.section("xlsx imports", "\n".join(lines))
