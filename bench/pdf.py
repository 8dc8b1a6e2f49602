"""County report PDFs: one report against WeasyPrint alone, and the January run on real Celery workers.

One report: `assessment.reports.render_county_report` end to end (inputs, ranking, template, PDF,
file, row), each run in a transaction rolled back afterwards so that every run really renders;
against WeasyPrint rendering the very HTML of that report with the same fetcher (our overhead), the
file's size and whether every font is embedded as a subset (`pdffonts`).

The January run: `reports.start_run` for the province's confirmed year (one task per county and the
city summary after them) with 1 and then 2 Celery worker processes (separate `celery worker -c 1`),
wall time from the start of the run until it is finished; the reports are deleted in between so
that the second run renders them all again.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from assessment import reports
from assessment.models import Assessment, AssessmentYear, Report, ReportRun

from .common import ROOT, Results, median, p95, process
from .dataset import Dataset

RENDER_BUDGET = 1.5
SIZE_BUDGET = 1024 * 1024
OVERHEAD_BUDGET = 1.2
RUN_BUDGET = 120.0
SCALING_BUDGET = 1.7


class _Rollback(Exception):
    pass


def _html_of(assessment: Assessment) -> str:
    """The HTML `render_county_report` hands to WeasyPrint, built the same way."""
    from django.conf import settings

    data = reports.county_inputs(assessment)
    context = {
        **reports._county_context(data, assessment),
        "verification_code": "BENCH-0000-0000-0000",
        "snapshot_at": None,
        "version": 1,
        "issuer": settings.BUREAU_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("assessment/reports/county.html", context)


def _render_once(assessment_id: int) -> tuple[float, bytes]:
    started = time.perf_counter()
    try:
        with transaction.atomic():
            rendered = reports.render_county_report(assessment_id)
            elapsed = time.perf_counter() - started
            with rendered.report.file.open("rb") as handle:
                content = handle.read()
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, content


def _fonts(pdf: bytes) -> tuple[bool, str]:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(["pdffonts", handle.name], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    # Columns: name type encoding emb sub uni object ID (the type may be two words).
    names = [row[0] for row in rows]
    subset = bool(rows) and all(len(name) > 7 and name[6] == "+" for name in names)
    embedded = bool(rows) and all(row[-5] == "yes" for row in rows)
    return subset and embedded, ", ".join(names)


def _pages(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=False).stdout
    return next((line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")), "?")


def run_single(dataset: Dataset, results: Results, *, runs: int) -> None:
    province = dataset.province
    year = AssessmentYear.objects.get(city=province.city, year=province.years["confirmed"])
    assessment = (
        Assessment.objects.select_related("year", "year__city", "agency", "confirmed_by__person")
        .filter(year=year)
        .order_by("agency__division__code")
        .first()
    )
    from supervision.documents import StaticFilesFetcher, static_base_url

    _clear_reports(year)  # an existing report of the same inputs would be reused, not rendered
    html = _html_of(assessment)
    _render_once(assessment.pk)  # warm: fonts, templates
    ours, alone, pdf = [], [], b""
    for _ in range(runs):  # interleaved, so that a busy moment of the machine weighs on both
        elapsed, pdf = _render_once(assessment.pk)
        ours.append(elapsed)
        started = time.perf_counter()
        HTML(string=html, base_url=static_base_url(), url_fetcher=StaticFilesFetcher()).write_pdf()
        alone.append(time.perf_counter() - started)
    overhead = median(ours) / median(alone)
    fonts_ok, fonts = _fonts(pdf)
    pages = _pages(pdf)
    results.check(
        "pdf: one county report, median",
        f"{median(ours):.2f} s (p95 {p95(ours):.2f} s)",
        f"≤ {RENDER_BUDGET} s",
        median(ours) <= RENDER_BUDGET,
    )
    results.check("pdf: size", f"{len(pdf) / 1024:.0f} KB", "< 1 MB", len(pdf) < SIZE_BUDGET)
    results.check("pdf: fonts embedded as subsets", fonts or "none", "every font", fonts_ok)
    results.check(
        "pdf: overhead over WeasyPrint alone",
        f"{overhead:.2f}× ({median(ours):.2f} s / {median(alone):.2f} s)",
        f"≤ {OVERHEAD_BUDGET}×",
        overhead <= OVERHEAD_BUDGET,
    )
    results.section(
        "One county report (PDF)",
        "\n".join(
            [
                f"`render_county_report` for {assessment.agency} ({year.year}, {year.assessments.count()} counties ranked), "
                f"{runs} runs after one to warm up, each rolled back; WeasyPrint alone on the same HTML with the same fetcher.",
                "",
                "| figure | median | p95 | target |",
                "| --- | ---: | ---: | --- |",
                f"| our render (inputs, ranking, template, PDF, file) | {median(ours):.2f} s | {p95(ours):.2f} s | ≤ {RENDER_BUDGET} s |",
                f"| WeasyPrint alone, same HTML | {median(alone):.2f} s | {p95(alone):.2f} s | |",
                f"| overhead | {overhead:.2f}× | | ≤ {OVERHEAD_BUDGET}× |",
                f"| size | {len(pdf) / 1024:.0f} KB, {pages} page(s) | | < 1 MB |",
                f"| fonts | {fonts} | | embedded subsets |",
            ]
        ),
    )


# ---------------------------------------------------------------------------------------------


def _clear_reports(year: AssessmentYear) -> None:
    ReportRun.objects.filter(year=year).delete()
    Report.objects.filter(year=year).delete()


def _wait(run: ReportRun, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        run.refresh_from_db()
        if run.finished_at is not None:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"the report run did not finish within {timeout:.0f} s")


def _january(year: AssessmentYear, workers: int, log_dir: Path, requested_by) -> tuple[float, int, int]:
    _clear_reports(year)
    celery = str(Path(sys.executable).with_name("celery"))
    from contextlib import ExitStack

    with ExitStack() as stack:
        for n in range(workers):
            stack.enter_context(
                process(
                    [
                        celery,
                        "-A",
                        "supervision",
                        "worker",
                        "-c",
                        "1",
                        "-n",
                        f"bench{n}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "-l",
                        "warning",
                    ],
                    env={"PYTHONPATH": str(ROOT)},
                    log=log_dir / f"worker{workers}-{n}.log",
                )
            )
        time.sleep(4)  # let the workers connect before the run is queued
        started = time.monotonic()
        run = reports.start_run(year, requested_by=requested_by)
        _wait(run, timeout=900)
        elapsed = time.monotonic() - started
    progress = reports.run_progress(run)
    return elapsed, progress.as_dict()["new"], progress.as_dict()["failed"]


def run_january(dataset: Dataset, results: Results) -> None:
    province = dataset.province
    year = AssessmentYear.objects.get(city=province.city, year=province.years["confirmed"])
    counties = year.assessments.with_results().count()
    with tempfile.TemporaryDirectory(prefix="bench-celery-") as tmp:
        one, new_one, failed_one = _january(year, 1, Path(tmp), province.users["assessor"])
        two, new_two, failed_two = _january(year, 2, Path(tmp), province.users["assessor"])
        if failed_one or failed_two:
            for log in Path(tmp).glob("*.log"):
                print(log.read_text()[-2000:], file=sys.stderr)
    scaling = one / two if two else 0
    results.check(
        "january: reports rendered (1 worker / 2 workers)",
        f"{new_one} / {new_two} of {counties + 1}",
        f"{counties + 1}",
        new_one == new_two == counties + 1 and not failed_one and not failed_two,
    )
    results.check(f"january: {counties} counties with 1 worker", f"{one:.0f} s")
    results.check(
        f"january: {counties} counties with 2 workers", f"{two:.0f} s", f"≤ {RUN_BUDGET:.0f} s", two <= RUN_BUDGET
    )
    results.check(
        "january: scaling 1 → 2 workers", f"{scaling:.2f}×", f"≥ {SCALING_BUDGET}×", scaling >= SCALING_BUDGET
    )
    results.section(
        "The January run (Celery)",
        "\n".join(
            [
                f"`reports.start_run` for {year.year}: {counties} county reports and the city summary, one task each, "
                "on real `celery worker -c 1` processes (Redis broker), from queuing to the run's finish.",
                "",
                "| workers | wall time | per report | target |",
                "| ---: | ---: | ---: | --- |",
                f"| 1 | {one:.1f} s | {one / (counties + 1):.2f} s | |",
                f"| 2 | {two:.1f} s | {two / (counties + 1):.2f} s | ≤ {RUN_BUDGET:.0f} s |",
                f"| scaling | {scaling:.2f}× | | ≥ {SCALING_BUDGET}× |",
            ]
        ),
    )
