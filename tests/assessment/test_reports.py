"""January reports on a real Celery worker; reuse and versions; the beat entry; public verification."""

from __future__ import annotations

import datetime
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessment import actions, reports
from assessment.models import Report, ReportRun, ReportRunEntry, Track
from tests.assessment.factories import confirmed, scores_of

RESULT_STATES = ("confirmed", "filed", "published")


def pdf_text(report: Report) -> str:
    path = Path(report.file.path)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def wait_for(run: ReportRun, timeout: float = 90) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.finished_at is not None:
            return run
        time.sleep(0.3)
    states = list(run.entries.values_list("status", "error"))
    raise AssertionError(f"report run did not finish: {states}")


@pytest.mark.django_db(transaction=True)
def test_report_task_on_a_real_worker_renders_reuses_and_versions(
    celery_worker, org, year, teams, assessor, team_member, team_b
):
    weihui = confirmed(year.assessments.get(agency=org.weihui), assessor, team_member, basic=14, target=14)
    huixian = confirmed(year.assessments.get(agency=org.huixian), assessor, team_b, basic=10, target=10)

    run = wait_for(reports.start_run(year, requested_by=assessor))
    assert set(run.entries.values_list("status", flat=True)) == {ReportRunEntry.Status.DONE}
    county = Report.objects.get(assessment=weihui)
    summary = Report.objects.get(kind=Report.Kind.SUMMARY)
    assert (county.version, county.rank, county.final_score) == (1, 1, weihui.final_score)
    text = pdf_text(county)
    assert "卫辉市社会保险中心" in text
    assert str(weihui.final_score) in text
    assert "第 1 名" in text
    assert county.verification_code in text and "数据截至" in text
    summary_text = pdf_text(summary)
    assert (
        "卫辉市社保中心" in summary_text
        and "辉县市社保中心" in summary_text
        and str(huixian.final_score) in summary_text
    )
    assert Report.objects.get(assessment=huixian).rank == 2

    # Unchanged inputs: the rerun reuses every report.
    rerun = wait_for(reports.start_run(year, requested_by=assessor))
    assert Report.objects.count() == 3
    assert set(rerun.entries.values_list("reused", flat=True)) == {True}

    # A changed score: 卫辉市 gets version 2 (the summary too); 辉县市's chart changed, so it gets one as well.
    actions.assessment_reopen(weihui, acting_user=assessor, reason="复核更正", tracks=[Track.BASIC])
    score = scores_of(weihui, Track.BASIC)[0]
    actions.score_set(score, acting_user=assessor, points=score.max_points - Decimal("3"), comment="更正")
    actions.track_submit(weihui, Track.BASIC, acting_user=assessor)
    weihui = actions.assessment_confirm(weihui, acting_user=assessor)
    wait_for(reports.start_run(year, requested_by=assessor))
    versions = list(Report.objects.filter(assessment=weihui).order_by("version").values_list("version", "final_score"))
    assert versions == [(1, county.final_score), (2, weihui.final_score)]
    assert Path(county.file.path).exists()  # the old version is kept
    assert Report.objects.filter(kind=Report.Kind.SUMMARY).count() == 2


def test_beat_schedule_has_the_january_entry():
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "assessment.tasks.generate_january_reports_task"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.month_of_year == {1}
    assert schedule.day_of_month == set(range(1, 32))  # every day of January


@pytest.mark.django_db
def test_january_run_covers_the_previous_year_with_confirmed_results(org, year, teams, assessor, team_member):
    assert reports.january_years(datetime.date(2027, 1, 3)) == []
    confirmed(year.assessments.get(agency=org.weihui), assessor, team_member)
    assert reports.january_years(datetime.date(2027, 1, 3)) == [year]
    assert reports.january_years(datetime.date(2026, 1, 3)) == []


@pytest.fixture
def rendered(org, year, teams, assessor, team_member):
    """卫辉市's report rendered in-process (the queue is tested above)."""
    assessment = confirmed(year.assessments.get(agency=org.weihui), assessor, team_member)
    return reports.render_county_report(assessment.pk).report


@pytest.mark.django_db
class TestVerification:
    def test_current_report_is_confirmed(self, client, rendered):
        response = client.get(reverse("assessment_public:verify", args=[rendered.verification_code]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "是当前最新版本" in body and "卫辉市社会保险中心" in body and str(rendered.final_score) in body
        lowercase = rendered.verification_code.lower().replace("-", "")
        assert "是当前最新版本" in client.get(reverse("assessment_public:verify", args=[lowercase])).content.decode()

    def test_replaced_report_names_the_version_that_replaced_it(self, client, rendered, assessor):
        assessment = rendered.assessment
        actions.assessment_reopen(assessment, acting_user=assessor, reason="更正", tracks=[Track.BASIC])
        response = client.get(reverse("assessment_public:verify", args=[rendered.verification_code]))
        assert "新版本尚未生成" in response.content.decode()  # data changed since, no new version yet
        score = scores_of(assessment, Track.BASIC)[0]
        actions.score_set(score, acting_user=assessor, points="1")
        actions.track_submit(assessment, Track.BASIC, acting_user=assessor)
        actions.assessment_confirm(assessment, acting_user=assessor)
        second = reports.render_county_report(assessment.pk).report
        assert second.version == 2
        body = client.get(reverse("assessment_public:verify", args=[rendered.verification_code])).content.decode()
        assert "已被第2版" in body and "请以新版本为准" in body
        assert (
            "是当前最新版本"
            in client.get(reverse("assessment_public:verify", args=[second.verification_code])).content.decode()
        )

    @pytest.mark.parametrize("code", ["AAAA-BBBB-CCCC-DDDD", "nonsense", "'; DROP TABLE x;--"])
    def test_unknown_code_reveals_nothing(self, client, rendered, code):
        response = client.get(reverse("assessment_public:verify", args=[code]))
        body = response.content.decode()
        assert response.status_code == 404
        assert "未找到该核验码对应的报告" in body
        assert "卫辉市" not in body and str(rendered.final_score) not in body

    def test_verify_form_redirects_to_the_code(self, client):
        response = client.get(reverse("assessment_public:verify_form"), {"code": "ABCD-EFGH-JKLM-NPQR"})
        assert response["Location"] == reverse("assessment_public:verify", args=["ABCD-EFGH-JKLM-NPQR"])


@pytest.mark.django_db
class TestReportPages:
    def test_generate_now_then_progress_and_downloads(self, client, rendered, assessor, year, settings):
        client.force_login(assessor)
        assert client.get(reverse("assessment:report_generate", args=[2026])).status_code == 405
        run = ReportRun.objects.create(year=year, requested_by=assessor, queued_at=timezone.now())
        ReportRunEntry.objects.create(run=run, assessment=rendered.assessment)
        body = client.get(reverse("assessment:report_progress", args=[2026, run.pk])).content.decode()
        assert 'hx-trigger="every 2s"' in body and "生成中" in body
        reports.run_entry(run.entries.get().pk)
        reports.finish_run(run.pk)
        body = client.get(reverse("assessment:report_progress", args=[2026, run.pk])).content.decode()
        assert "every 2s" not in body and "已完成" in body and "沿用 1" in body
        assert reverse("assessment:report_download", args=[rendered.pk]) in body
        response = client.get(reverse("assessment:report_download", args=[rendered.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")

    def test_generate_refuses_without_results_and_for_non_assessors(self, client, year, team_member, assessor):
        client.force_login(team_member)
        assert client.post(reverse("assessment:report_generate", args=[2026])).status_code == 403
        client.force_login(assessor)
        response = client.post(reverse("assessment:report_generate", args=[2026]), follow=True)
        assert "还没有已确认的考核结果" in response.content.decode()
        assert not ReportRun.objects.exists()

    def test_county_head_downloads_own_report_only(self, client, rendered, head_weihui, head_huixian):
        url = reverse("assessment:report_download", args=[rendered.pk])
        client.force_login(head_weihui)
        assert client.get(url).status_code == 200
        assert (
            reverse("assessment:report_download", args=[rendered.pk])
            in client.get(reverse("assessment:result", args=[2026, rendered.assessment.agency_id])).content.decode()
        )
        client.force_login(head_huixian)
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_county_report_embeds_the_simplified_chinese_font_only(rendered):
    """The chart's SVG text once fell back to fontconfig's default, the Japanese Noto CJK: a third font."""
    fonts = subprocess.run(
        ["pdffonts", rendered.file.path], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    names = [line.split()[0] for line in fonts]
    assert names and all("Noto-Sans-CJK-SC" in name for name in names), names
