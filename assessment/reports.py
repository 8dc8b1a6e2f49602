"""January reports (第四条：次年一月份完成): one PDF per county and a city summary.

A report is rendered from a snapshot of its inputs; the SHA-256 of those inputs decides whether a
rerun reuses the current version (same inputs) or makes a new one (changed inputs; the old version
is kept). Each version carries a verification code and the data-snapshot time, printed on every page
and checked by the public page /verify/<code>/.

`start_run` fans one task per county out to the workers (a Celery chord), the city summary last.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from supervision.documents import render_pdf
from supervision.notifications import notify
from supervision.workflow import TransitionNotAllowed

from . import charts, queries, rules
from .models import Assessment, AssessmentYear, Report, ReportRun, ReportRunEntry, Track
from .scoring import ROUNDING_RULE, weighted_sum

logger = logging.getLogger(__name__)

STALE_RUN = timedelta(minutes=30)
# A county report's chart shows at most this many counties around the county itself.
CHART_COUNTIES = 30


def _name(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _city_finals(year: AssessmentYear) -> list[dict[str, Any]]:
    rows = queries.ranking(year)
    return [
        {
            "agency_id": row.assessment.agency_id,
            "agency": str(row.assessment.agency),
            "basic": _dec(row.assessment.basic_total),
            "target": _dec(row.assessment.target_total),
            "final": _dec(row.assessment.final_score),
            "rank": row.rank,
            "tied": row.tied,
            "previous_final": _dec(row.previous_final),
            "previous_rank": row.previous_rank,
            "change": _dec(row.change),
            "rank_change": row.rank_change,
        }
        for row in rows
    ]


def county_inputs(assessment: Assessment) -> dict[str, Any]:
    """Everything a county report shows, as plain data: its hash identifies the report's version."""
    year = assessment.year
    scores = list(
        assessment.scores.select_related("item", "scored_by__person").order_by("item__track", "item__position")
    )
    city = _city_finals(year)
    own = next((row for row in city if row["agency_id"] == assessment.agency_id), None)
    delegation = rules.active_delegation(assessment)
    filing = (
        assessment.filings.filter(acknowledged_at__isnull=False, superseded=False)
        .select_related("acknowledged_by__person")
        .first()
    )
    return {
        "kind": Report.Kind.COUNTY,
        "year": year.year,
        "city": year.city.name,
        "agency": assessment.agency.name,
        "status": assessment.status,
        "weights": {"basic": _dec(year.basic_weight), "target": _dec(year.target_weight)},
        "items": [
            {
                "track": score.item.track,
                "position": score.item.position,
                "name": score.item.name,
                "max": _dec(score.max_points),
                "points": _dec(score.points),
                "comment": score.comment,
                "scorer": _name(score.scored_by),
                "scored_at": score.scored_at.isoformat() if score.scored_at else None,
            }
            for score in scores
        ],
        "basic_total": _dec(assessment.basic_total),
        "target_total": _dec(assessment.target_total),
        "final": _dec(assessment.final_score),
        "rank": own["rank"] if own else None,
        "tied": own["tied"] if own else False,
        "county_count": len(city),
        "previous_final": own["previous_final"] if own else None,
        "previous_rank": own["previous_rank"] if own else None,
        "confirmed_at": assessment.confirmed_at.isoformat() if assessment.confirmed_at else None,
        "confirmed_by": _name(assessment.confirmed_by),
        "delegate_agency": str(delegation.delegate_agency) if delegation else None,
        "filed_at": filing.acknowledged_at.isoformat() if filing else None,
        "filed_by": _name(filing.acknowledged_by) if filing else None,
        "city_finals": [(row["agency"], row["final"]) for row in city],
    }


def summary_inputs(year: AssessmentYear) -> dict[str, Any]:
    return {
        "kind": Report.Kind.SUMMARY,
        "year": year.year,
        "city": year.city.name,
        "weights": {"basic": _dec(year.basic_weight), "target": _dec(year.target_weight)},
        "rows": _city_finals(year),
        "county_count": year.assessments.count(),
        "published_at": year.published_at.isoformat() if year.published_at else None,
    }


def _county_context(data: dict[str, Any], assessment: Assessment) -> dict[str, Any]:
    tracks = []
    for track, label in Track.choices:
        tracks.append(
            {
                "label": label,
                "items": [item for item in data["items"] if item["track"] == track],
                "total": data[f"{track}_total"],
                "weight": data["weights"][track],
            }
        )
    year = assessment.year
    labels = [agency for agency, _final in data["city_finals"]]
    values = [Decimal(final) if final is not None else None for _agency, final in data["city_finals"]]
    highlight = labels.index(str(assessment.agency)) if str(assessment.agency) in labels else None
    chart_window = None
    if len(labels) > CHART_COUNTIES:
        # A province's 150 bars made a chart taller than a page and took seconds to draw: the
        # county's neighbours in the ranking only, the range named under the heading.
        own = highlight or 0
        start = max(0, min(own - CHART_COUNTIES // 2, len(labels) - CHART_COUNTIES))
        chart_window = {"first": start + 1, "last": start + CHART_COUNTIES, "total": len(labels)}
        labels, values = labels[start : start + CHART_COUNTIES], values[start : start + CHART_COUNTIES]
        highlight = None if highlight is None else highlight - start
    final = Decimal(data["final"]) if data["final"] is not None else None
    previous = Decimal(data["previous_final"]) if data["previous_final"] is not None else None
    return {
        "data": data,
        "tracks": tracks,
        "title": _("%(year)s年度%(agency)s基础管理和目标管理考核报告")
        % {"year": data["year"], "agency": data["agency"]},
        "issued_on": timezone.localdate(),
        "unrounded": weighted_sum(
            assessment.basic_total, assessment.target_total, year.basic_weight, year.target_weight
        )
        if final is not None
        else None,
        "basic_weighted": assessment.basic_total * year.basic_weight,
        "target_weighted": assessment.target_total * year.target_weight,
        "change": (final - previous) if final is not None and previous is not None else None,
        "rank_change": (data["previous_rank"] - data["rank"]) if data["previous_rank"] and data["rank"] else None,
        "chart": charts.svg_bars(labels, values, highlight=highlight),
        "chart_window": chart_window,
        "rounding_rule": ROUNDING_RULE,
    }


def _summary_context(data: dict[str, Any]) -> dict[str, Any]:
    rows = data["rows"]
    return {
        "data": data,
        "rows": rows,
        "title": _("%(year)s年度县（市、区）社会保险经办机构双百分考核汇总报告") % {"year": data["year"]},
        "issued_on": timezone.localdate(),
        "chart": charts.svg_bars(
            [row["agency"] for row in rows], [Decimal(row["final"]) if row["final"] else None for row in rows]
        ),
        "basic_chart": charts.svg_bars(
            [row["agency"] for row in rows], [Decimal(row["basic"]) if row["basic"] else None for row in rows]
        ),
        "target_chart": charts.svg_bars(
            [row["agency"] for row in rows], [Decimal(row["target"]) if row["target"] else None for row in rows]
        ),
        "rounding_rule": ROUNDING_RULE,
    }


@dataclass(frozen=True)
class Rendered:
    report: Report
    reused: bool


def _next_version(key: str) -> tuple[Report | None, int]:
    latest = Report.objects.filter(subject_key=key).order_by("-version").first()
    return latest, (latest.version + 1 if latest else 1)


@transaction.atomic
def render_county_report(assessment_id: int) -> Rendered:
    """The county's report for its current inputs: the existing version if they are unchanged, else a new one."""
    # The row lock serialises two workers rendering the same county (a task delivered twice).
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("year", "year__city", "agency", "confirmed_by__person")
        .get(pk=assessment_id)
    )
    if not assessment.has_result:
        raise TransitionNotAllowed(_("%(agency)s 的考核结果尚未确认。") % {"agency": assessment.agency})
    snapshot_at = timezone.now()
    data = county_inputs(assessment)
    digest = _hash(data)
    key = Report.key_for(assessment.year, assessment)
    latest, version = _next_version(key)
    if latest is not None and latest.input_hash == digest:
        return Rendered(latest, True)
    report = Report(
        year=assessment.year,
        assessment=assessment,
        kind=Report.Kind.COUNTY,
        subject_key=key,
        version=version,
        input_hash=digest,
        snapshot_at=snapshot_at,
        final_score=assessment.final_score,
        rank=data["rank"],
        county_count=data["county_count"],
    )
    context = {
        **_county_context(data, assessment),
        "verification_code": report.verification_code,
        "snapshot_at": snapshot_at,
        "version": version,
    }
    pdf = render_pdf("assessment/reports/county.html", context)
    report.size = len(pdf)
    report.file.save(f"{report.verification_code}.pdf", ContentFile(pdf), save=False)
    report.save()
    return Rendered(report, False)


@transaction.atomic
def render_summary_report(year_id: int) -> Rendered:
    year = AssessmentYear.objects.select_for_update(of=("self",)).select_related("city").get(pk=year_id)
    snapshot_at = timezone.now()
    data = summary_inputs(year)
    if not data["rows"]:
        raise TransitionNotAllowed(_("没有已确认的考核结果。"))
    digest = _hash(data)
    key = Report.key_for(year, None)
    latest, version = _next_version(key)
    if latest is not None and latest.input_hash == digest:
        return Rendered(latest, True)
    report = Report(
        year=year,
        kind=Report.Kind.SUMMARY,
        subject_key=key,
        version=version,
        input_hash=digest,
        snapshot_at=snapshot_at,
        county_count=len(data["rows"]),
    )
    context = {
        **_summary_context(data),
        "verification_code": report.verification_code,
        "snapshot_at": snapshot_at,
        "version": version,
    }
    pdf = render_pdf("assessment/reports/summary.html", context)
    report.size = len(pdf)
    report.file.save(f"{report.verification_code}.pdf", ContentFile(pdf), save=False)
    report.save()
    return Rendered(report, False)


def current_hash(report: Report) -> str | None:
    """The hash of the report's subject as the data stands now (None when it no longer has a result)."""
    if report.assessment_id is not None:
        assessment = Assessment.objects.select_related("year", "year__city", "agency", "confirmed_by__person").get(
            pk=report.assessment_id
        )
        return _hash(county_inputs(assessment)) if assessment.has_result else None
    data = summary_inputs(report.year)
    return _hash(data) if data["rows"] else None


# ---------------------------------------------------------------------------------------------
# Runs: "generate now" and the January beat


def start_run(year: AssessmentYear, *, requested_by: Any = None, trigger: str = ReportRun.Trigger.MANUAL) -> ReportRun:
    """Queue one task per confirmed county and the summary after them.

    An unfinished recent run is resumed rather than duplicated: its entries still pending are queued
    again (a worker killed mid-run, or Redis down when it was started). A task delivered twice does
    the work once (`run_entry`), so queueing an entry that is still on its way costs nothing.
    """
    with transaction.atomic():
        year = AssessmentYear.objects.select_for_update(of=("self",)).get(pk=year.pk)
        running = (
            year.report_runs.filter(finished_at__isnull=True, created_at__gte=timezone.now() - STALE_RUN)
            .order_by("-created_at")
            .first()
        )
        if running is None:
            running = _create_run(year, requested_by=requested_by, trigger=trigger)
        transaction.on_commit(lambda: _queue(running))
    return running


def _queue(run: ReportRun) -> None:
    run.queue_unavailable = not dispatch_run(run.pk)


def _create_run(year: AssessmentYear, *, requested_by: Any, trigger: str) -> ReportRun:
    assessment_ids = list(year.assessments.with_results().values_list("pk", flat=True))
    if not assessment_ids:
        raise TransitionNotAllowed(_("本年度还没有已确认的考核结果，无法生成报告。"))
    run = ReportRun.objects.create(year=year, trigger=trigger, requested_by=requested_by)
    ReportRunEntry.objects.bulk_create(
        [ReportRunEntry(run=run, assessment_id=pk) for pk in assessment_ids] + [ReportRunEntry(run=run)]
    )
    return run


def dispatch_run(run_id: int) -> bool:
    """Queue the run's pending entries; False (and the run left unqueued) when Redis is unreachable."""
    from celery import chord

    from .tasks import render_county_report_task, render_summary_report_task

    pending = ReportRunEntry.objects.filter(run_id=run_id, status=ReportRunEntry.Status.PENDING)
    county = list(pending.filter(assessment__isnull=False).values_list("pk", flat=True))
    summary = ReportRunEntry.objects.get(run_id=run_id, assessment__isnull=True).pk
    if not _queue_answers():
        logger.warning("report run %s not queued: the broker does not answer; beat queues it later", run_id)
        return False
    try:
        if county:
            # The counties render in parallel on as many workers as there are; the summary after all of them.
            chord(
                [render_county_report_task.si(pk) for pk in county], render_summary_report_task.si(summary)
            ).apply_async()
        else:
            render_summary_report_task.delay(summary)
    except QUEUE_ERRORS:
        logger.warning("report run %s not queued; beat queues it later", run_id, exc_info=True)
        return False
    ReportRun.objects.filter(pk=run_id, queued_at__isnull=True).update(queued_at=timezone.now())
    return True


# Redis going away between the look below and the publish: the broker says OperationalError, the
# chord's result store a redis error, or (its reconnect failing) a RuntimeError.
QUEUE_ERRORS = (BrokerUnavailable, RedisError, RuntimeError)


def _queue_answers() -> bool:
    """One quick connection to the broker before queueing, so that a press with Redis down answers at once."""
    from supervision.celery import app

    if app.conf.task_always_eager:
        return True
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except BrokerUnavailable:
        return False
    return True


def queue_unqueued_runs() -> list[int]:
    """Beat: the runs started while the broker was down go to the workers now that it answers again."""
    newer = ReportRun.objects.filter(year=models.OuterRef("year"), created_at__gt=models.OuterRef("created_at"))
    waiting = ReportRun.objects.filter(queued_at__isnull=True, finished_at__isnull=True).exclude(models.Exists(newer))
    return [run_id for run_id in waiting.values_list("pk", flat=True) if dispatch_run(run_id)]


def run_entry(entry_id: int) -> None:
    """Render one entry of a run, once: a task delivered twice finds the entry done and does nothing."""
    entry = ReportRunEntry.objects.select_related("run").filter(pk=entry_id).first()
    if entry is None or entry.status != ReportRunEntry.Status.PENDING:
        return
    try:
        if entry.assessment_id is not None:
            rendered = render_county_report(entry.assessment_id)
        else:
            rendered = render_summary_report(entry.run.year_id)
    except Exception as error:
        logger.exception("report entry %s failed", entry_id)
        ReportRunEntry.objects.filter(pk=entry_id, status=ReportRunEntry.Status.PENDING).update(
            status=ReportRunEntry.Status.FAILED, error=str(error)[:300], finished_at=timezone.now()
        )
        return
    ReportRunEntry.objects.filter(pk=entry_id, status=ReportRunEntry.Status.PENDING).update(
        status=ReportRunEntry.Status.DONE, report=rendered.report, reused=rendered.reused, finished_at=timezone.now()
    )


def finish_run(run_id: int) -> None:
    run = ReportRun.objects.select_related("year", "requested_by").get(pk=run_id)
    if run.finished_at is not None:
        return
    ReportRun.objects.filter(pk=run_id, finished_at__isnull=True).update(finished_at=timezone.now())
    if run.requested_by is not None:
        progress = run_progress(run)
        notify(
            [run.requested_by],
            _("%(year)s年度考核报告已生成") % {"year": run.year.year},
            body=_("共%(total)s份，新生成%(new)s份，沿用%(reused)s份，失败%(failed)s份。") % progress.as_dict(),
            url=reverse("assessment:reports", args=[run.year.year]),
            key=f"assessment-report-run-{run.pk}",
        )


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    new: int
    reused: int
    finished: bool
    stale: bool

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * (self.done + self.failed) / self.total)

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "new": self.new, "reused": self.reused, "failed": self.failed}


def run_progress(run: ReportRun) -> Progress:
    counts = run.entries.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=ReportRunEntry.Status.DONE)),
        failed=Count("pk", filter=Q(status=ReportRunEntry.Status.FAILED)),
        reused=Count("pk", filter=Q(status=ReportRunEntry.Status.DONE, reused=True)),
    )
    finished = run.finished_at is not None
    return Progress(
        total=counts["total"],
        done=counts["done"],
        failed=counts["failed"],
        new=counts["done"] - counts["reused"],
        reused=counts["reused"],
        finished=finished,
        stale=not finished and run.created_at < timezone.now() - STALE_RUN,
    )


def january_years(today: Any = None) -> list[AssessmentYear]:
    """The previous year of every city, when it has confirmed results (the beat runs daily in January)."""
    today = today or timezone.localdate()
    return list(
        AssessmentYear.objects.filter(year=today.year - 1, assessments__status__in=["confirmed", "filed", "published"])
        .distinct()
        .order_by("city__code")
    )


def find_report(code: str) -> Report | None:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(normalised) != 16:
        return None
    formatted = "-".join(normalised[i : i + 4] for i in range(0, 16, 4))
    return (
        Report.objects.select_related("year", "year__city", "assessment__agency")
        .filter(verification_code=formatted)
        .first()
    )


@dataclass(frozen=True)
class Verification:
    report: Report
    current: bool
    latest: Report
    data_changed: bool


def verify(code: str) -> Verification | None:
    report = find_report(code)
    if report is None:
        return None
    latest = Report.objects.filter(subject_key=report.subject_key).order_by("-version").first()
    current = latest.pk == report.pk
    data_changed = current and current_hash(report) != report.input_hash
    return Verification(report=report, current=current, latest=latest, data_changed=data_changed)
