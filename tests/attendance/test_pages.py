"""Agency day and month, city-wide overview, the personnel section's monthly export, discipline visits."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supervision.actions import attendance as actions
from supervision.models import DisciplineVisit, Finding, Person
from supervision.permissions import Role
from tests.attendance.factories import approved, at, sign_in_at
from tests.factories import make_user
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db


def staff(org, count: int, offset: int = 0) -> None:
    for index in range(count):
        user = make_user(f"staff{offset + index}", [Role.COUNTY_STAFF], org.weihui)
        day = datetime.date(2026, 3, 2 + index % 20)
        sign_in_at(user, at(day, 8, 10 + index % 40))


class TestAgencyMonth:
    def test_query_count_is_the_same_for_5_and_50_staff(self, client, org, head_weihui, django_assert_max_num_queries):
        client.force_login(head_weihui)
        url = reverse("attendance:agency_month", args=[org.weihui.pk]) + "?month=2026-03"
        staff(org, 4)
        approved(
            Person.objects.get(user__username="staff0").user,
            head_weihui,
            datetime.date(2026, 3, 4),
            submitted_at=at(datetime.date(2026, 3, 1), 9),
        )
        client.get(url)
        with django_assert_max_num_queries(15) as five:
            assert client.get(url).status_code == 200
        staff(org, 45, offset=100)
        with django_assert_max_num_queries(15) as fifty:
            response = client.get(url)
        assert response.content.decode().count('data-testid="sheet-row"') == 50
        assert len(five.captured_queries) == len(fifty.captured_queries)

    def test_city_office_sees_every_county_head_sees_own_only(self, client, org, office, head_huixian):
        client.force_login(office)
        assert client.get(reverse("attendance:agency_month", args=[org.weihui.pk])).status_code == 200
        client.force_login(head_huixian)
        assert client.get(reverse("attendance:agency_month", args=[org.huixian.pk])).status_code == 200
        assert client.get(reverse("attendance:agency_month", args=[org.weihui.pk])).status_code == 404

    def test_export_in_the_personnel_layout(self, client, org, personnel, head_weihui, staff_weihui):
        sign_in_at(staff_weihui, at(datetime.date(2026, 2, 13), 8, 45))
        sign_in_at(staff_weihui, at(datetime.date(2026, 2, 14), 8, 10))
        approved(staff_weihui, head_weihui, datetime.date(2026, 2, 12), submitted_at=at(datetime.date(2026, 2, 2), 9))
        client.force_login(personnel)
        response = client.get(reverse("attendance:agency_month_export", args=[org.weihui.pk]), {"month": "2026-02"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        assert header[:3] == ("序号", "姓名", "职务") and header[3] == "1" and header[3 + 27] == "28"
        assert header[-6:] == (
            "应出勤（天）",
            "出勤（天）",
            "迟到（次）",
            "缺勤（天）",
            "请假（天）",
            "外出、出差（天）",
        )
        by_name = {row[1]: row for row in rows[1:] if row and row[1]}
        mine = by_name[staff_weihui.person.name]
        assert (mine[3 + 11], mine[3 + 12], mine[3 + 13], mine[3 + 15]) == ("事", "迟", "√", "休")
        assert mine[-4] == 1  # late once
        assert any(row and row[0] == "说明" for row in rows)


class TestAgencyDayAndOverview:
    def test_agency_day_shows_status_and_sign_in(self, client, org, head_weihui, staff_weihui):
        sign_in_at(staff_weihui, at(datetime.date(2026, 3, 3), 8, 50))
        client.force_login(head_weihui)
        body = client.get(
            reverse("attendance:agency_day", args=[org.weihui.pk]), {"date": "2026-03-03"}
        ).content.decode()
        assert "迟到" in body and "08:50" in body and "今日主持工作" in body

    def test_overview_for_the_city_office(
        self, client, org, office, staff_weihui, head_huixian, django_assert_max_num_queries
    ):
        today = timezone.localdate()
        client.force_login(office)
        url = reverse("attendance:overview")
        client.get(url)
        with django_assert_max_num_queries(15) as small:
            response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200 and "卫辉市社保中心" in body and "辉县市社保中心" in body
        staff(org, 10)
        with django_assert_max_num_queries(15) as large:
            client.get(url, {"date": today.isoformat()})
        assert len(small.captured_queries) == len(large.captured_queries)

    @pytest.mark.parametrize("name", ["attendance:agency_day", "attendance:home"])
    def test_at_most_15_queries_for_2_and_12_staff(self, client, org, head_weihui, name, django_assert_max_num_queries):
        """Issue 9: the province's pages stay within the query budget whatever the head count."""
        client.force_login(head_weihui)
        url = reverse(name, args=[org.weihui.pk]) if name.endswith("day") else reverse(name)
        staff(org, 2)
        client.get(url)
        with django_assert_max_num_queries(15) as small:
            assert client.get(url).status_code == 200
        staff(org, 10, offset=100)
        with django_assert_max_num_queries(15) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_overview_needs_oversight(self, client, staff_weihui, inspector):
        client.force_login(staff_weihui)
        assert client.get(reverse("attendance:overview")).status_code == 403


class TestVisits:
    @pytest.fixture
    def visit(self, org, inspector, head_weihui, staff_weihui, deputy_weihui, staff2_weihui):
        day = datetime.date(2026, 3, 3)
        sign_in_at(staff_weihui, at(day, 8, 10))
        sign_in_at(staff2_weihui, at(day, 8, 12))
        approved(deputy_weihui, head_weihui, day, submitted_at=at(datetime.date(2026, 3, 1), 9))
        return actions.visit_record(
            acting_user=inspector,
            agency=org.weihui,
            visited_at=at(day, 10, 0),
            method=DisciplineVisit.Method.UNANNOUNCED,
            notes="暗访服务大厅。",
            observations={
                staff_weihui.person.pk: True,  # signed in, there: consistent
                staff2_weihui.person.pk: False,  # signed in, not there, no leave: discrepancy
                deputy_weihui.person.pk: False,  # on approved leave: consistent
                head_weihui.person.pk: True,  # there but never signed in: discrepancy
            },
            files=[pdf_upload("现场记录.pdf")],
        )

    def test_side_by_side_with_discrepancies_flagged(self, client, visit, inspector, staff2_weihui, head_weihui):
        client.force_login(inspector)
        body = client.get(reverse("attendance:visit_detail", args=[visit.pk])).content.decode()
        assert body.count('data-testid="discrepancy-row"') == 2
        assert "已签到但不在岗" in body and "在岗，但检查时尚未签到" in body
        assert "现场记录.pdf" in body

    def test_one_click_turns_a_discrepancy_into_a_finding(self, client, visit, inspector, staff2_weihui, head_weihui):
        observation = visit.observations.get(person=staff2_weihui.person)
        client.force_login(inspector)
        url = reverse("attendance:visit_finding", args=[visit.pk, observation.pk])
        deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
        response = client.post(url, {"deadline": deadline})
        finding = Finding.objects.get()
        assert response["Location"] == reverse("findings:detail", args=[finding.pk])
        assert finding.source == Finding.Source.DISCIPLINE_VISIT and finding.source_record == visit
        assert finding.article == "第五条" and staff2_weihui.person.name in finding.title
        observation.refresh_from_db()
        assert observation.finding == finding
        client.post(url, {"deadline": deadline})  # a second click raises nothing more
        assert Finding.objects.count() == 1
        body = client.get(reverse("attendance:visit_detail", args=[visit.pk])).content.decode()
        assert "已转为问题" in body

    def test_a_consistent_observation_cannot_become_a_finding(self, client, visit, inspector, staff_weihui):
        observation = visit.observations.get(person=staff_weihui.person)
        client.force_login(inspector)
        deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
        client.post(reverse("attendance:visit_finding", args=[visit.pk, observation.pk]), {"deadline": deadline})
        assert not Finding.objects.exists()

    def test_bad_deadline_writes_nothing(self, client, visit, inspector, staff2_weihui):
        observation = visit.observations.get(person=staff2_weihui.person)
        client.force_login(inspector)
        response = client.post(
            reverse("attendance:visit_finding", args=[visit.pk, observation.pk]), {"deadline": "2020-01-01"}
        )
        assert response.status_code == 400 and "整改期限不能早于今天" in response.content.decode()
        assert not Finding.objects.exists()

    def test_who_may_see_and_record(self, client, org, visit, head_weihui, head_huixian, office, staff2_weihui):
        client.force_login(office)
        assert client.get(reverse("attendance:visit_detail", args=[visit.pk])).status_code == 200
        client.force_login(head_weihui)  # sees the agency, has no right to the visit record
        assert client.get(reverse("attendance:visit_detail", args=[visit.pk])).status_code == 403
        assert client.get(reverse("attendance:visit_list")).status_code == 403
        client.force_login(head_huixian)
        assert client.get(reverse("attendance:visit_detail", args=[visit.pk])).status_code == 404
        observation = visit.observations.get(person=staff2_weihui.person)
        response = client.post(reverse("attendance:visit_finding", args=[visit.pk, observation.pk]))
        assert response.status_code == 404
        with pytest.raises(PermissionDenied):
            actions.visit_record(
                acting_user=head_weihui,
                agency=org.weihui,
                visited_at=timezone.now(),
                method="announced",
                notes="",
                observations={},
            )

    def test_record_through_the_form(self, client, org, inspector, staff_weihui, head_weihui):
        client.force_login(inspector)
        url = reverse("attendance:visit_new")
        assert "下一步" in client.get(url).content.decode()
        page = client.get(url, {"agency": org.weihui.pk}).content.decode()
        assert staff_weihui.person.name in page
        data = {
            "agency": org.weihui.pk,
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "method": DisciplineVisit.Method.ANNOUNCED,
            "notes": "定期检查",
        }
        response = client.post(url, data)
        assert response.status_code == 400 and "请至少核查一名人员" in response.content.decode()
        assert not DisciplineVisit.objects.exists()
        data[f"person_{staff_weihui.person.pk}"] = "absent"
        response = client.post(url, data)
        visit = DisciplineVisit.objects.get()
        assert response["Location"] == reverse("attendance:visit_detail", args=[visit.pk])
        assert list(visit.observations.values_list("present", flat=True)) == [False]

    def test_visit_list(self, client, visit, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        with django_assert_max_num_queries(20):
            body = client.get(reverse("attendance:visit_list")).content.decode()
        assert "卫辉市社保中心" in body


class TestDashboardAndLanguage:
    def test_my_work_counts(self, client, org, head_weihui, staff_weihui, office, leader, deputy_weihui):
        from tests.attendance.factories import days_from_today, submit

        submit(staff_weihui, days_from_today(1))
        approved(head_weihui, leader, days_from_today(3), acting=deputy_weihui)
        client.force_login(head_weihui)
        assert "待我审批的请假" in client.get(reverse("dashboard")).content.decode()
        client.force_login(office)
        assert "待确认的请假备案" in client.get(reverse("dashboard")).content.decode()
        client.force_login(staff_weihui)
        assert "今日尚未签到" in client.get(reverse("dashboard")).content.decode()

    def test_pages_speak_english_too(self, client, org, head_weihui):
        client.force_login(head_weihui)
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        body = client.get(
            reverse("attendance:agency_month", args=[org.weihui.pk]), {"month": "2026-02"}
        ).content.decode()
        assert "Attendance and leave" in body and "Export the sheet (Excel)" in body
