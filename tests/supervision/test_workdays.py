"""Working days: the 2026 Spring Festival, city overrides, unknown years, one query per range, the admin."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta

import holidays
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from supervision import workdays
from supervision.models import CalendarOverride, CalendarYear
from supervision.workdays import (
    ScheduleUnknown,
    add_working_days,
    calendar_for,
    is_working_day,
    schedule_known,
    schedule_warning,
    working_days_between,
)
from tests.factories import CityFactory, verify_two_factor

# A made-up 2027 schedule in the State Council's usual shape: the real one is not published yet.
HYPOTHETICAL_2027_OFF = """2027-01-01 至 2027-01-03
2027-02-05 至 2027-02-11
2027-04-03 至 2027-04-05
2027-05-01 至 2027-05-03
2027-06-09, 2027-09-15
2027-10-01 至 2027-10-07"""
HYPOTHETICAL_2027_ON = "2027-02-20、2027-04-25、2027-09-26、2027-10-09"


@pytest.fixture(autouse=True)
def _schedule_unknown_is_an_error():
    """No test here may lean on an estimated year by accident."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScheduleUnknown)
        yield


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def test_the_package_tables_match_the_package_itself():
    reference = holidays.China(years=range(2000, 2028))
    for day in days(date(2001, 1, 1), date(2027, 12, 31)):
        assert workdays.package_is_working_day(day) == reference.is_working_day(day), day


@pytest.mark.django_db
def test_the_2026_spring_festival_with_its_adjusted_saturdays():
    assert is_working_day(date(2026, 2, 13))  # Friday before the holiday
    assert is_working_day(date(2026, 2, 14))  # Saturday, adjusted working day (调休上班)
    for day in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not is_working_day(day), day
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))  # Saturday, adjusted working day
    assert not is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert not is_working_day(date(2026, 3, 8))  # an ordinary Sunday
    assert is_working_day(date(2026, 3, 9))


@pytest.mark.django_db
def test_adding_working_days_across_the_spring_festival():
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # the adjusted Saturday counts
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)  # then the whole holiday is skipped
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert add_working_days(date(2026, 2, 17), 1) == date(2026, 2, 24)  # starting inside the holiday
    # 2-14, 2-24..27, 2-28 (adjusted Saturday), 3-2..6, 3-9..12: the fifteenth is 3-12.
    assert add_working_days(date(2026, 2, 13), 15) == date(2026, 3, 12)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 13)) == 0


@pytest.mark.django_db
def test_zero_working_days_is_the_day_itself_or_the_next_working_day():
    assert add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 24)
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)


@pytest.mark.django_db
def test_adding_and_counting_agree_on_every_day_of_a_quarter():
    calendar = calendar_for(None, date(2025, 12, 1), date(2026, 6, 30))
    for day in days(date(2026, 1, 1), date(2026, 3, 31)):
        for n in (0, 1, 3, 10):
            due = add_working_days(day, n)
            assert calendar.is_working_day(due)
            if n:
                assert working_days_between(day, due) == n
                assert working_days_between(day, due - timedelta(days=1)) == n - 1  # the first day that reaches n
            else:
                assert due == day if calendar.is_working_day(day) else working_days_between(day, due) == 1


@pytest.mark.django_db
def test_a_month_has_its_working_days_and_costs_one_query(django_assert_num_queries, org):
    with django_assert_num_queries(1):
        february = calendar_for(org.city, date(2026, 2, 1), date(2026, 2, 28))
        assert len(february.working_days()) == 16
        assert february.schedule_warnings() == []


@pytest.mark.django_db
@pytest.mark.parametrize("override_count", [0, 40])
def test_a_month_page_costs_one_query_whatever_the_overrides_and_staff(django_assert_num_queries, org, override_count):
    other_city = CityFactory()
    for offset in range(override_count):
        day = date(2026, 1, 1) + timedelta(days=offset)
        CalendarOverride.objects.create(city=org.city, date=day, is_working_day=False, reason="测试")
        CalendarOverride.objects.create(city=other_city, date=day, is_working_day=False, reason="测试")
        CalendarOverride.objects.create(city=None, date=day, is_working_day=True, reason="测试")
    staff = range(300)
    with django_assert_num_queries(1):
        january = calendar_for(org.city, date(2026, 1, 1), date(2026, 1, 31))
        grid = [[january.is_working_day(day) for day in january.days()] for _ in staff]
    assert len(grid) == 300
    assert grid[0][4] is (override_count == 0)  # 2026-01-05, a Monday


@pytest.mark.django_db
def test_a_city_override_applies_to_that_city_only(org):
    zhengzhou = CityFactory(name="郑州市", code="410100")
    tuesday = date(2026, 3, 10)
    CalendarOverride.objects.create(city=org.city, date=tuesday, is_working_day=False, reason="全市停电检修")

    assert not is_working_day(tuesday, org.city)
    assert not is_working_day(tuesday, org.city.pk)
    assert is_working_day(tuesday, zhengzhou)
    assert is_working_day(tuesday)
    assert add_working_days(date(2026, 3, 9), 1, org.city) == date(2026, 3, 11)
    assert add_working_days(date(2026, 3, 9), 1, zhengzhou) == tuesday


@pytest.mark.django_db
def test_an_override_for_every_city_gives_way_to_a_citys_own(org):
    zhengzhou = CityFactory(name="郑州市", code="410100")
    saturday = date(2026, 3, 14)
    CalendarOverride.objects.create(city=None, date=saturday, is_working_day=True, reason="全省补班")
    CalendarOverride.objects.create(city=org.city, date=saturday, is_working_day=False, reason="本市不补班")

    assert is_working_day(saturday)
    assert is_working_day(saturday, zhengzhou)
    assert not is_working_day(saturday, org.city)


@pytest.mark.django_db
def test_an_unknown_year_says_so(org):
    assert schedule_known(2026)
    assert not schedule_known(2030)
    assert not schedule_known(2030, org.city)
    message = schedule_warning(2030, org.city)
    assert "2030年的国务院节假日安排尚未录入" in message
    assert calendar_for(org.city, date(2030, 12, 1), date(2031, 1, 31)).unknown_years() == [2030, 2031]

    with pytest.warns(ScheduleUnknown) as caught:
        due = add_working_days(date(2030, 3, 1), 5, org.city)
    assert due == date(2030, 3, 8)  # estimated from weekends and statutory days
    assert [(warning.message.year, warning.message.city_id) for warning in caught] == [(2030, org.city.pk)]
    with pytest.warns(ScheduleUnknown):
        is_working_day(date(2029, 12, 31))
    with pytest.warns(ScheduleUnknown):
        working_days_between(date(2030, 3, 1), date(2030, 3, 31))


@pytest.mark.django_db
def test_a_year_marked_loaded_is_known_for_its_city_or_for_all(org):
    other = CityFactory(name="郑州市", code="410100")
    CalendarYear.objects.create(city=org.city, year=2030, schedule_loaded=True)
    assert schedule_known(2030, org.city)
    assert schedule_warning(2030, org.city) is None
    assert not schedule_known(2030, other)
    assert not schedule_known(2030)
    add_working_days(date(2030, 3, 1), 5, org.city)  # no warning: the autouse fixture makes one an error

    CalendarYear.objects.create(city=None, year=2030, schedule_loaded=True)
    assert schedule_known(2030, other)
    assert schedule_known(2030)


@pytest.mark.django_db
def test_a_year_schedule_the_package_does_not_know_can_be_loaded(org):
    assert not workdays.package_knows(2027)
    assert not workdays.package_is_working_day(date(2027, 5, 4))  # the package guesses a day in lieu
    schedule = CalendarYear.objects.create(year=2027, note="国办发明电〔2026〕×号（假设）")
    off, on = workdays.parse_days(HYPOTHETICAL_2027_OFF), workdays.parse_days(HYPOTHETICAL_2027_ON)
    assert workdays.schedule_problems(2027, off, on) == []

    workdays.load_year_schedule(schedule, days_off=off, working_days=on, acting_user=None)

    assert schedule_known(2027)
    assert schedule_known(2027, org.city)
    assert is_working_day(date(2027, 5, 4), org.city)  # the guess is gone: the notice is the truth
    assert not is_working_day(date(2027, 2, 11), org.city)
    assert is_working_day(date(2027, 2, 20), org.city)
    assert not is_working_day(date(2027, 10, 7))
    assert is_working_day(date(2027, 1, 4))
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)
    stored = {row.date: row.is_working_day for row in schedule.overrides.all()}
    assert stored[date(2027, 5, 4)] is True
    assert date(2027, 2, 8) not in stored  # the package already had the Spring Festival itself
    assert schedule.history.count() == 2

    workdays.load_year_schedule(schedule, days_off=off, working_days=on[1:], acting_user=None)
    assert not is_working_day(date(2027, 2, 20))  # loading again replaces the last load
    assert not schedule.overrides.filter(date=date(2027, 2, 20)).exists()


def test_parsing_the_days_of_a_notice():
    assert workdays.parse_days("2027-02-05 至 2027-02-07\n2027-5-1、2027-06-09，2027-06-09\n\n") == [
        date(2027, 2, 5),
        date(2027, 2, 6),
        date(2027, 2, 7),
        date(2027, 5, 1),
        date(2027, 6, 9),
    ]
    assert workdays.parse_days("2027-02-05~2027-02-06; 2027-02-10..2027-02-10") == [
        date(2027, 2, 5),
        date(2027, 2, 6),
        date(2027, 2, 10),
    ]
    assert workdays.parse_days("  ") == []
    for text in ("2027-02-30", "二月五日", "2027-02-07 至 2027-02-05", "2027-01-01 至 2027-03-01"):
        with pytest.raises(ValueError):
            workdays.parse_days(text)


def test_schedule_problems_are_named():
    off, on = workdays.parse_days(HYPOTHETICAL_2027_OFF), workdays.parse_days(HYPOTHETICAL_2027_ON)
    problems = workdays.schedule_problems(
        2027,
        [day for day in off if day.month != 10] + [date(2026, 6, 1), date(2027, 2, 20)],
        [*on, date(2027, 3, 3)],
    )
    assert "2026-06-01不在2027年内。" in problems
    assert "2027-02-20既列为放假又列为上班。" in problems
    assert "2027-03-03不是周末，本来就上班，无需列为调休上班。" in problems
    assert "法定节假日2027-10-01（国庆节）没有列入放假日期。" in problems
    assert len(problems) == 4
    # A notice may move a late-December Saturday of the year before.
    assert workdays.schedule_problems(2027, off, [*on, date(2026, 12, 26)]) == []
    assert workdays.schedule_problems(2027, off, [*on, date(2026, 11, 28)]) == ["2026-11-28不在2027年内。"]


@pytest.mark.django_db
def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 2, 13), -1)
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 2, 14, 9, 0))
    with pytest.raises(ValueError):
        calendar_for(None, date(2026, 3, 1), date(2026, 2, 1))
    with pytest.raises(ValueError):
        calendar_for(None, date(2026, 3, 1), date(2026, 3, 31)).is_working_day(date(2026, 4, 1))


@pytest.fixture
def superuser_client(client, org):
    verify_two_factor(client, User.objects.create_superuser("root", password="root-password-123"))
    return client


def _schedule_form(**fields: str) -> dict[str, str]:
    return {
        "year": "2027",
        "city": "",
        "note": "",
        "days_off": "",
        "working_days": "",
        "overrides-TOTAL_FORMS": "0",
        "overrides-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.mark.django_db
def test_the_admin_pages_speak_chinese(superuser_client):
    pages = {
        "supervision_calendaroverride": "工作日调整",
        "supervision_calendaryear": "年度放假安排",
        "supervision_documentsequence": "发文字号序列",
    }
    for name, title in pages.items():
        assert title in superuser_client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert superuser_client.get(reverse(f"admin:{name}_add")).status_code == 200


@pytest.mark.django_db
def test_the_bureau_enters_next_years_schedule_in_the_admin(superuser_client):
    response = superuser_client.post(
        reverse("admin:supervision_calendaryear_add"),
        _schedule_form(days_off=HYPOTHETICAL_2027_OFF, working_days=HYPOTHETICAL_2027_ON, note="国办发明电"),
    )
    assert response.status_code == 302, response.content.decode()
    schedule = CalendarYear.objects.get(year=2027, city=None)
    assert schedule.schedule_loaded
    assert schedule.overrides.filter(date=date(2027, 2, 20), is_working_day=True, reason="国办发明电").exists()
    assert schedule.overrides.last().history.first().history_user.username == "root"
    assert schedule_known(2027)
    assert is_working_day(date(2027, 5, 4))
    page = superuser_client.get(reverse("admin:supervision_calendaryear_change", args=[schedule.pk])).content.decode()
    assert "2027-02-20" in page or "2027年2月20日" in page


@pytest.mark.django_db
def test_a_schedule_with_mistakes_writes_nothing(superuser_client):
    response = superuser_client.post(
        reverse("admin:supervision_calendaryear_add"),
        _schedule_form(days_off="2027-02-05 至 2027-02-11", working_days="2027-02-20"),
    )
    assert response.status_code == 200
    assert "法定节假日2027-01-01（元旦）没有列入放假日期。" in response.content.decode()
    response = superuser_client.post(
        reverse("admin:supervision_calendaryear_add"), _schedule_form(days_off="2027-02-31")
    )
    assert "“2027-02-31”不是日期，请写成 2027-02-05。" in response.content.decode()
    assert not CalendarYear.objects.exists()
    assert not CalendarOverride.objects.exists()
