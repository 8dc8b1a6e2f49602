"""第十三条: half-year reports to the same-level county bureau, due dates, overdue list, review cycle."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from supervision.actions import oversight as actions
from supervision.models import Notification, OversightSettings, SemiannualReport, SemiannualReportEvent
from supervision.models.findings import local_today
from supervision.models.oversight import last_ended_period
from supervision.permissions import Action, can
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.factories import AgencyFactory, DivisionFactory
from tests.oversight.factories import REPORT_DATA, open_report, submit_report
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db

Kind = SemiannualReportEvent.Kind
Status = SemiannualReport.Status


class TestDueDates:
    def test_h1_is_due_in_july_and_h2_in_january_of_the_next_year(self, org):
        settings = OversightSettings.for_city(org.city.pk)
        assert settings.due_date(2026, 1) == datetime.date(2026, 7, 15)
        assert settings.due_date(2026, 2) == datetime.date(2027, 1, 15)

    def test_due_dates_are_configurable_per_city(self, org):
        OversightSettings.objects.create(city=org.city, h1_due_month=8, h1_due_day=10, h2_due_month=2, h2_due_day=29)
        settings = OversightSettings.for_city(org.city.pk)
        assert settings.due_date(2026, 1) == datetime.date(2026, 8, 10)
        assert settings.due_date(2027, 2) == datetime.date(2028, 2, 29)  # a leap year
        assert settings.due_date(2025, 2) == datetime.date(2026, 2, 28)  # clamped in a common year
        assert open_report(org.weihui, 2025, 2).due_on == datetime.date(2026, 2, 28)

    def test_a_report_goes_to_the_county_bureau_of_its_own_county(self, org):
        report = open_report(org.weihui)
        assert report.recipient == org.weihui_bureau
        assert report.due_on == datetime.date(2026, 7, 15)

    @pytest.mark.parametrize(
        ("today", "period"),
        [
            (datetime.date(2026, 6, 30), (2025, 2)),
            (datetime.date(2026, 7, 1), (2026, 1)),
            (datetime.date(2026, 12, 31), (2026, 1)),
            (datetime.date(2027, 1, 1), (2026, 2)),
        ],
    )
    def test_last_ended_period(self, today, period):
        assert last_ended_period(today) == period


class TestOverdueAcrossTheYearBoundary:
    def test_the_sweep_opens_h2_on_new_years_day_and_marks_it_overdue_after_15_january(
        self, org, head_weihui, reviewer_weihui
    ):
        first = actions.semiannual_sweep(datetime.date(2025, 12, 31))
        assert (first["opened"], first["overdue"]) == (3, 3)  # 2025 H1, due 15 July, for 3 agencies
        assert not SemiannualReport.objects.filter(year=2025, half=2).exists()

        result = actions.semiannual_sweep(datetime.date(2026, 1, 1))
        assert result["opened"] == 3
        h2 = SemiannualReport.objects.get(agency=org.weihui, year=2025, half=2)
        assert h2.due_on == datetime.date(2026, 1, 15)
        assert Notification.objects.filter(recipient=head_weihui, title__contains="2025年下半年").count() == 1

        assert actions.semiannual_sweep(datetime.date(2026, 1, 15))["overdue"] == 0  # due today: not late yet
        h2.refresh_from_db()
        assert h2.overdue_since is None and not h2.overdue_on(datetime.date(2026, 1, 15))

        assert actions.semiannual_sweep(datetime.date(2026, 1, 16))["overdue"] == 3  # now the 2025 H2 drafts
        h2.refresh_from_db()
        assert h2.overdue_since == datetime.date(2026, 1, 16)
        assert list(SemiannualReport.objects.overdue(datetime.date(2026, 1, 16)).filter(year=2025, half=2)) != []
        assert h2.events.filter(kind=Kind.OVERDUE).count() == 1
        assert Notification.objects.filter(recipient=reviewer_weihui, title__contains="逾期未报送").count() == 2

    def test_the_sweep_run_twice_does_the_work_once(self, org, head_weihui):
        first = actions.semiannual_sweep(datetime.date(2026, 1, 20))
        notifications, events = Notification.objects.count(), SemiannualReportEvent.objects.count()
        second = actions.semiannual_sweep(datetime.date(2026, 1, 20))
        assert first["opened"] == 3 and first["overdue"] == 3
        assert second == {"opened": 0, "reminded": 0, "overdue": 0}
        assert (Notification.objects.count(), SemiannualReportEvent.objects.count()) == (notifications, events)

    def test_a_reminder_goes_out_once_a_few_days_before_the_deadline(self, org, head_weihui):
        open_report(org.weihui, 2025, 2)
        assert actions.remind_due_reports(datetime.date(2026, 1, 5)) == 0  # 10 days ahead: too early
        assert actions.remind_due_reports(datetime.date(2026, 1, 11)) == 1
        assert actions.remind_due_reports(datetime.date(2026, 1, 12)) == 0
        assert Notification.objects.filter(recipient=head_weihui, title__startswith="半年汇报即将到期").count() == 1

    def test_a_submitted_report_is_not_overdue(self, org, head_weihui):
        report = open_report(org.weihui, 2025, 2)
        submit_report(report, head_weihui)
        assert actions.mark_overdue_reports(datetime.date(2026, 2, 1)) == 0
        assert not SemiannualReport.objects.overdue(datetime.date(2026, 2, 1)).exists()

    def test_the_overdue_list_shows_only_late_reports_within_reach(self, client, org, head_weihui, inspector):
        late = open_report(org.weihui, 2025, 2)
        on_time = open_report(org.huixian, 2026, 2)  # due 2027-01-15: not late
        client.force_login(inspector)
        body = client.get(reverse("oversight:report_list"), {"overdue": "yes"}).content.decode()
        assert reverse("oversight:report_detail", args=[late.pk]) in body
        assert reverse("oversight:report_detail", args=[on_time.pk]) not in body
        client.force_login(head_weihui)
        assert client.get(reverse("oversight:report_list"), {"overdue": "yes"}).status_code == 200


class TestReturnedForRevisionCycle:
    def test_submit_return_resubmit_accept(self, org, head_weihui, reviewer_weihui):
        report = open_report(org.weihui, 2025, 2)
        report = actions.report_save(report, acting_user=head_weihui, data={"insured_count": 1}, files=[pdf_upload()])
        assert report.status == Status.DRAFT

        report = submit_report(report, head_weihui)
        assert (report.status, report.round) == (Status.SUBMITTED, 1)
        assert Notification.objects.filter(recipient=reviewer_weihui, title__startswith="半年汇报待审阅").exists()

        with pytest.raises(TransitionNotAllowed):
            actions.report_review(report, acting_user=reviewer_weihui, accepted=False, comment="  ")
        report = actions.report_review(
            report, acting_user=reviewer_weihui, accepted=False, comment="待遇支出与决算不一致。"
        )
        assert report.status == Status.RETURNED
        assert report.resubmit_due == local_today() + datetime.timedelta(days=10)
        assert Notification.objects.filter(recipient=head_weihui, title__startswith="半年汇报被退回修改").exists()

        report = actions.report_save(
            report, acting_user=head_weihui, data={**REPORT_DATA, "benefit_expenditure": "45000.00"}, submit=True
        )
        assert (report.status, report.round) == (Status.SUBMITTED, 2)
        report = actions.report_review(report, acting_user=reviewer_weihui, accepted=True, comment="已核对。")
        assert report.status == Status.ACCEPTED

        kinds = list(report.events.values_list("kind", flat=True))
        assert kinds == [Kind.OPENED, Kind.SUBMITTED, Kind.RETURNED, Kind.SUBMITTED, Kind.ACCEPTED]
        assert report.events.get(kind=Kind.RETURNED).text.startswith("待遇支出与决算不一致。")
        assert str(report.history.filter(benefit_expenditure__isnull=False).last().benefit_expenditure) == "45210.75"

    def test_a_returned_report_has_a_new_deadline_and_can_become_overdue_again(self, org, head_weihui, reviewer_weihui):
        report = submit_report(open_report(org.weihui, 2025, 2), head_weihui)
        actions.mark_overdue_reports(datetime.date(2026, 2, 1))
        report = actions.report_review(report, acting_user=reviewer_weihui, accepted=False, comment="请补充。")
        assert report.overdue_since is None
        day_after = report.resubmit_due + datetime.timedelta(days=1)
        assert actions.mark_overdue_reports(report.resubmit_due) == 0
        assert actions.mark_overdue_reports(day_after) == 1
        assert actions.mark_overdue_reports(day_after) == 0

    def test_accepted_reports_are_locked(self, org, head_weihui, reviewer_weihui):
        report = submit_report(open_report(org.weihui), head_weihui)
        actions.report_review(report, acting_user=reviewer_weihui, accepted=True, comment="")
        with pytest.raises(TransitionNotAllowed):
            actions.report_save(report, acting_user=head_weihui, data={"insured_count": 1})
        with pytest.raises(TransitionNotAllowed):
            actions.report_review(report, acting_user=reviewer_weihui, accepted=False, comment="再退回")

    def test_submission_needs_every_figure(self, org, head_weihui):
        report = open_report(org.weihui)
        with pytest.raises(TransitionNotAllowed, match="参保人数"):
            actions.report_save(report, acting_user=head_weihui, data={"narrative": "x"}, submit=True)
        report.refresh_from_db()
        assert report.status == Status.DRAFT and report.narrative == ""

    def test_stale_version_is_refused(self, org, head_weihui):
        report = open_report(org.weihui)
        seen = report.version
        actions.report_save(report, acting_user=head_weihui, data={"insured_count": 1}, version=seen)
        with pytest.raises(EditConflict):
            actions.report_save(report, acting_user=head_weihui, data={"insured_count": 2}, version=seen)


class TestWhoMayDoWhat:
    def test_review_is_for_the_same_level_county_bureau_only(self, org, inspector, reviewer_weihui, reviewer_huixian):
        assert can(reviewer_weihui, Action.REVIEW_REPORTS, org.weihui)
        assert not can(reviewer_huixian, Action.REVIEW_REPORTS, org.weihui)
        assert not can(inspector, Action.REVIEW_REPORTS, org.weihui)  # the city sees, the county reviews
        assert can(inspector, Action.VIEW, org.weihui)

    def test_only_the_head_submits(self, org, staff_weihui, head_huixian, reviewer_weihui):
        report = open_report(org.weihui)
        for user in (staff_weihui, head_huixian, reviewer_weihui):
            with pytest.raises(PermissionDenied):
                actions.report_save(report, acting_user=user, data=dict(REPORT_DATA), submit=True)

    def test_pages_answer_404_to_other_counties_and_403_to_insiders_without_the_right(
        self, client, org, head_weihui, head_huixian, staff_weihui, reviewer_huixian, inspector
    ):
        report = submit_report(open_report(org.weihui), head_weihui)
        detail = reverse("oversight:report_detail", args=[report.pk])
        review = reverse("oversight:report_review", args=[report.pk])
        for outsider in (head_huixian, reviewer_huixian):
            client.force_login(outsider)
            assert client.get(detail).status_code == 404
            assert client.post(review, {"decision": "accept", "version": report.version}).status_code == 404
        client.force_login(staff_weihui)
        assert client.get(detail).status_code == 200
        assert client.get(reverse("oversight:report_edit", args=[report.pk])).status_code == 403
        client.force_login(inspector)
        assert client.get(detail).status_code == 200  # the city sees all
        assert client.post(review, {"decision": "accept", "version": report.version}).status_code == 403
        report.refresh_from_db()
        assert report.status == Status.SUBMITTED


class TestPages:
    def test_head_fills_in_saves_and_submits_through_the_form(self, client, org, head_weihui, reviewer_weihui):
        report = open_report(org.weihui)
        client.force_login(head_weihui)
        url = reverse("oversight:report_edit", args=[report.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"insured_count": "100", "version": report.version, "save": ""})
        assert response.status_code == 302
        report.refresh_from_db()
        assert (report.status, report.insured_count) == (Status.DRAFT, 100)

        response = client.post(url, {"insured_count": "100", "version": report.version, "submit": ""})
        assert response.status_code == 400
        assert "报送前须填写此项" in response.content.decode()
        report.refresh_from_db()
        assert report.status == Status.DRAFT

        data = {**REPORT_DATA, "version": report.version, "submit": "", "files": [pdf_upload("附表.pdf")]}
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"] == reverse("oversight:report_detail", args=[report.pk])
        report.refresh_from_db()
        assert report.status == Status.SUBMITTED

    def test_reviewer_returns_with_comments_through_the_form(self, client, org, head_weihui, reviewer_weihui):
        report = submit_report(open_report(org.weihui), head_weihui)
        client.force_login(reviewer_weihui)
        url = reverse("oversight:report_review", args=[report.pk])
        assert client.get(url).status_code == 405
        response = client.post(url, {"decision": "return", "comment": "", "version": report.version})
        assert response.status_code == 400
        assert "退回修改时须写明审阅意见" in response.content.decode()
        response = client.post(url, {"decision": "return", "comment": "请补充问题分析。", "version": report.version})
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == Status.RETURNED
        client.force_login(head_weihui)
        body = client.get(reverse("oversight:report_edit", args=[report.pk])).content.decode()
        assert "请补充问题分析。" in body

    def test_head_starts_a_report_for_an_ended_period_only(self, client, org, head_weihui, head_huixian):
        client.force_login(head_weihui)
        year, half = last_ended_period(local_today())
        url = reverse("oversight:report_start")
        assert client.get(url).status_code == 405
        response = client.post(url, {"agency": org.weihui.pk, "year": year, "half": half})
        report = SemiannualReport.objects.get(agency=org.weihui, year=year, half=half)
        assert response["Location"] == reverse("oversight:report_edit", args=[report.pk])
        future = local_today().year + 1
        client.post(url, {"agency": org.weihui.pk, "year": future, "half": 1})
        assert not SemiannualReport.objects.filter(year=future).exists()
        client.post(url, {"agency": org.weihui.pk, "year": year, "half": half})
        assert SemiannualReport.objects.filter(agency=org.weihui).count() == 1
        client.force_login(head_huixian)
        client.post(url, {"agency": org.weihui.pk, "year": year - 1, "half": 1})
        assert not SemiannualReport.objects.filter(year=year - 1).exists()

    def test_list_is_scoped_and_exports(self, client, org, head_weihui, head_huixian):
        submit_report(open_report(org.weihui), head_weihui)
        open_report(org.huixian)
        client.force_login(head_huixian)
        body = client.get(reverse("oversight:report_list")).content.decode()
        assert "辉县市社保中心" in body and "卫辉市社保中心" not in body  # the filter lists own agency only too
        client.force_login(head_weihui)
        response = client.get(reverse("oversight:report_export"))
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
        assert [row[0] for row in rows] == ["卫辉市社保中心"]
        assert rows[0][9] == 152300

    def test_list_query_count_does_not_grow(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        url = reverse("oversight:report_list")
        open_report(org.weihui)
        client.get(url)
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        for _ in range(15):
            agency = AgencyFactory(division=DivisionFactory(city=org.city))
            AgencyFactory(division=agency.division, kind="county_bureau", name=f"{agency.division.name}人社局")
            open_report(agency)
        with django_assert_max_num_queries(20) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_runs_the_sweep_on_a_real_worker(celery_worker, org, head_weihui):
    from supervision.tasks import semiannual_reports_sweep_task

    result = semiannual_reports_sweep_task.delay().get(timeout=30)
    assert result["opened"] == 3
    assert semiannual_reports_sweep_task.delay().get(timeout=30) == {"opened": 0, "reminded": 0, "overdue": 0}
    year, half = last_ended_period(local_today())
    assert SemiannualReport.objects.filter(year=year, half=half).count() == 3
