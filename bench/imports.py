"""xlsx imports of 5,000 rows: the score import (assessment) and the attendance-machine import (attendance).

Each import is what a user does: upload (the preview, nothing written) and apply (all or nothing).
Measured: the wall time of both steps, the SQL queries per 1,000 rows (at 1,000 and at the full
number of rows: they must not grow faster than the rows), the peak resident memory of the process
during the import (sampled every 20 ms, above what it was before), that every change has its
history row, and that one bad row at apply time writes nothing.
"""

from __future__ import annotations

import io
import threading
import time
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

TIME_BUDGET = 15.0
QUERY_GROWTH = 1.10  # queries per 1,000 rows at the full size may exceed the small size's by 10 % at most
PAGE = 4096


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


class PeakMemory:
    """The highest resident set size seen while the block runs, above the one at its start."""

    def __enter__(self) -> PeakMemory:
        self.start = _rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

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
    with PeakMemory() as memory, connection.execute_wrapper(counter):
        started = time.perf_counter()
        record = preview()
        previewed = time.perf_counter()
        outcome = apply(record)
        applied = time.perf_counter()
    return previewed - started, applied - previewed, counter.count, memory.megabytes, outcome


# ---------------------------------------------------------------------------------------------
# Scores


def _score_sheet(year: AssessmentYear, rows: int, deduction: Decimal) -> SimpleUploadedFile:
    scores = (
        Score.objects.filter(assessment__year=year)
        .select_related("item", "assessment__agency__division")
        .order_by("assessment__agency__division__code", "item__track", "item__position")[:rows]
    )
    headers = [score_resources.COL_YEAR, score_resources.COL_COUNTY, score_resources.COL_TRACK,
               score_resources.COL_POSITION, score_resources.COL_ITEM, score_resources.COL_MAX,
               score_resources.COL_POINTS, score_resources.COL_COMMENT]
    data = [
        [year.year, score.assessment.agency.division.name, str(score.item.get_track_display()), score.item.position,
         score.item.name, score.max_points, score.max_points - deduction, f"{score.item.name}：导入评分"]
        for score in scores
    ]
    return _xlsx(headers, data, f"评分{rows}-{deduction}.xlsx")


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


def _score_all_or_nothing(year: AssessmentYear, user: Any, rows: int) -> bool:
    """Someone changes the last row's score between preview and apply: apply must write nothing."""
    deduction = Decimal("2.5")
    upload = _score_sheet(year, rows, deduction)
    record = score_resources.import_preview(year, upload, acting_user=user)
    last = (
        Score.objects.filter(assessment__year=year)
        .order_by("assessment__agency__division__code", "item__track", "item__position")[rows - 1 : rows]
        .get()
    )
    Score.objects.filter(pk=last.pk).update(version=F("version") + 1)
    outcome = score_resources.import_apply(record, acting_user=user)
    written = Score.objects.filter(assessment__year=year, points=F("max_points") - deduction).count()
    return bool(outcome.errors) and outcome.applied == 0 and written == 0


def run_scores(dataset: Dataset, results: Results, rows: int) -> list[Outcome]:
    national = dataset.national
    year = AssessmentYear.objects.get(city=national.city, year=national.years["scoring"])
    user = national.users["assessor"]
    small = _score_import(year, user, 1000, Decimal("0.5"))
    full = _score_import(year, user, rows, Decimal("1.0"))
    atomic = _score_all_or_nothing(year, user, 1000)
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


def _attendance(dataset: Dataset, results: Results, rows: int) -> list[Outcome]:
    raise NotImplementedError


# ---------------------------------------------------------------------------------------------


def _judge(results: Results, name: str, small: Outcome, full: Outcome, atomic: bool) -> None:
    results.check(
        f"{name}: {full.rows:,} rows (preview {full.preview:.1f} s + apply {full.apply:.1f} s)",
        f"{full.seconds:.1f} s", f"≤ {TIME_BUDGET:.0f} s", full.seconds <= TIME_BUDGET,
    )
    growth = full.per_thousand / small.per_thousand if small.per_thousand else 0
    results.check(
        f"{name}: queries per 1,000 rows ({small.rows:,} rows: {small.per_thousand:.0f}; {full.rows:,} rows: {full.per_thousand:.0f})",
        f"{growth:.2f}×", f"≤ {QUERY_GROWTH:.2f}× (constant)", growth <= QUERY_GROWTH,
    )
    results.check(f"{name}: peak memory", f"{full.memory:.0f} MB")
    results.check(f"{name}: history rows for {full.written:,} changes", f"{full.history:,}", "one per change", full.history == full.written and full.written > 0)
    results.check(f"{name}: one bad row at apply writes nothing", "yes" if atomic else "no", "yes", atomic)


def run(dataset: Dataset, results: Results, *, rows: int) -> None:
    outcomes = {"score import": run_scores(dataset, results, rows)}
    attendance = run_attendance(dataset, results, rows)
    if attendance:
        outcomes["attendance import"] = attendance
    lines = [
        "Upload (preview, nothing written) then apply (all or nothing), as the pages do; queries of both steps; "
        "memory: peak resident set size of the process above its size before the import.",
        "",
        "| import | rows | preview | apply | total | queries | per 1,000 rows | peak memory | history rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, measured in outcomes.items():
        for outcome in measured:
            lines.append(
                f"| {name} | {outcome.rows:,} | {outcome.preview:.1f} s | {outcome.apply:.1f} s | {outcome.seconds:.1f} s | "
                f"{outcome.queries:,} | {outcome.per_thousand:.0f} | {outcome.memory:.0f} MB | {outcome.history:,} |"
            )
    results.section("xlsx imports", "\n".join(lines))
