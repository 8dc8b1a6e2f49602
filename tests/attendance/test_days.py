"""Each person's day (第五条 每天签到考勤), derived from the working-day calendar, sign-ins and approved leave."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision import attendance as sheets
from supervision.actions import attendance as actions
from supervision.attendance import DayStatus
from supervision.models import SignIn
from supervision.models.attendance import Half
from tests.attendance.factories import approved, at, sign_in_at

pytestmark = pytest.mark.django_db

FEB = datetime.date(2026, 2, 1)


def feb(day: int) -> datetime.date:
    return datetime.date(2026, 2, day)


@pytest.fixture
def february(org, staff_weihui, head_weihui):
    """February 2026: 春节 15–23 off, Saturdays 14 and 28 adjusted working days (调休上班)."""
    before = at(feb(2), 9)
    approved(staff_weihui, head_weihui, feb(12), start_half=Half.AM, end_half=Half.AM, submitted_at=before)
    approved(staff_weihui, head_weihui, feb(11), start_half=Half.PM, end_half=Half.PM, submitted_at=before)
    approved(staff_weihui, head_weihui, feb(9), kind_name="出差", submitted_at=before)
    sign_in_at(staff_weihui, at(feb(11), 8, 40))  # morning worked, late; afternoon on leave
    sign_in_at(staff_weihui, at(feb(12), 14, 10))  # morning on leave: an afternoon sign-in is in time
    sign_in_at(staff_weihui, at(feb(13), 8, 45))  # late
    sign_in_at(staff_weihui, at(feb(14), 8, 20))  # the adjusted working Saturday, in time
    sign_in_at(staff_weihui, at(feb(16), 8, 20))  # 春节: a day off even if someone signs in
    sheet = sheets.month_sheet(org.weihui, 2026, 2, people=[staff_weihui.person])
    return {record.day: record for record in sheet.rows[0].days}, sheet


def test_holidays_and_adjusted_saturdays_come_from_the_calendar(february):
    days, sheet = february
    assert days[feb(7)].status == DayStatus.NOT_WORKING  # an ordinary Saturday
    assert days[feb(16)].status == DayStatus.NOT_WORKING  # 春节, a Monday
    assert days[feb(16)].sign_in is not None
    assert days[feb(14)].status == DayStatus.PRESENT  # 调休上班 Saturday, signed in at 08:20
    assert days[feb(28)].status == DayStatus.ABSENT  # 调休上班 Saturday, no sign-in
    assert sheet.working[feb(14)] and sheet.working[feb(28)] and not sheet.working[feb(16)]


def test_late_sign_in_absence_and_leave(february):
    days, _ = february
    assert days[feb(13)].status == DayStatus.LATE and days[feb(13)].late
    assert days[feb(10)].status == DayStatus.ABSENT
    assert days[feb(9)].status == DayStatus.OUT_ON_BUSINESS and days[feb(9)].symbol == "差"


def test_half_day_leave(february):
    days, _ = february
    morning_off = days[feb(12)]
    assert morning_off.status == DayStatus.PRESENT and not morning_off.late
    assert morning_off.am_leave is not None and morning_off.pm_leave is None
    assert (morning_off.attended, morning_off.on_leave) == (Decimal("0.5"), Decimal("0.5"))
    assert morning_off.symbol == "事/√"
    afternoon_off = days[feb(11)]
    assert afternoon_off.status == DayStatus.LATE and afternoon_off.symbol == "迟/事"


def test_month_totals_add_up(february):
    _, sheet = february
    totals = sheet.rows[0].totals
    assert totals.due == sheet.working_day_count  # February 2026 is over
    assert totals.attended + totals.absent + totals.on_leave + totals.out == totals.due
    assert totals.late == 2
    assert (totals.on_leave, totals.out) == (Decimal("1"), Decimal("1"))


def test_late_grace_is_configurable(org, staff_weihui):
    from supervision.models import AttendancePolicy

    sign_in_at(staff_weihui, at(feb(13), 8, 35))
    late = sheets.month_sheet(org.weihui, 2026, 2, people=[staff_weihui.person]).rows[0].days[12]
    assert late.status == DayStatus.LATE
    AttendancePolicy.objects.create(city=org.city, late_grace_minutes=10)
    in_time = sheets.month_sheet(org.weihui, 2026, 2, people=[staff_weihui.person]).rows[0].days[12]
    assert in_time.status == DayStatus.PRESENT


def test_work_start_time_is_per_agency(org, staff_weihui):
    sign_in_at(staff_weihui, at(feb(13), 8, 45))
    org.weihui.work_starts_at = datetime.time(9, 0)
    org.weihui.save()
    record = sheets.month_sheet(org.weihui, 2026, 2, people=[staff_weihui.person]).rows[0].days[12]
    assert record.status == DayStatus.PRESENT


def test_today_without_sign_in_is_not_yet_absent(org, staff_weihui):
    today = timezone.localdate()
    record = sheets.derive_day(
        today, working=True, sign_in=None, leaves=[], work_starts_at=datetime.time(8, 30), today=today
    )
    assert record.status == DayStatus.NOT_YET and not record.counted


class TestSignIn:
    def test_one_click_keeps_time_address_and_browser(self, client, staff_weihui):
        client.force_login(staff_weihui)
        response = client.post(
            reverse("attendance:sign_in"), HTTP_USER_AGENT="Mozilla/5.0 测试浏览器", REMOTE_ADDR="10.2.3.4"
        )
        assert response.status_code == 302
        record = SignIn.objects.get()
        assert (record.person, record.date) == (staff_weihui.person, timezone.localdate())
        assert record.ip_address == "10.2.3.4" and "测试浏览器" in record.user_agent

    def test_a_second_click_changes_nothing(self, client, staff_weihui):
        client.force_login(staff_weihui)
        client.post(reverse("attendance:sign_in"))
        first = SignIn.objects.get()
        response = client.post(reverse("attendance:sign_in"), follow=True)
        assert "无需重复签到" in response.content.decode()
        assert SignIn.objects.count() == 1
        assert SignIn.objects.get().signed_at == first.signed_at
        record, created = actions.sign_in(acting_user=staff_weihui)
        assert not created and record.pk == first.pk

    def test_htmx_swaps_the_panel(self, client, staff_weihui):
        client.force_login(staff_weihui)
        response = client.post(reverse("attendance:sign_in"), HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and 'id="sign-in-panel"' in body and "<html" not in body
        assert "今天已于" in body

    def test_get_is_not_allowed_and_someone_without_a_unit_cannot_sign_in(self, client, staff_weihui, outsider):
        client.force_login(staff_weihui)
        assert client.get(reverse("attendance:sign_in")).status_code == 405
        client.force_login(outsider)
        assert client.post(reverse("attendance:sign_in")).status_code == 403
        assert not SignIn.objects.exists()

    def test_my_month_page(self, client, staff_weihui):
        client.force_login(staff_weihui)
        response = client.get(reverse("attendance:home"), {"month": "2026-02"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "2026年2月" in body and 'data-testid="month-sheet"' in body
