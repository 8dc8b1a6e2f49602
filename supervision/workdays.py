"""Working days in mainland China: deadlines everywhere, attendance month pages (第五条).

The public holidays and adjusted working days (调休上班) come from the maintained `holidays` package
(`holidays.China`), never from a list typed here. On top of it, `CalendarOverride` rows hold a
city's own days off and the schedule of a year the package does not know yet: the State Council
publishes each year's schedule late in the year before, so for such a year the package only
estimates (statutory days, weekend days moved to the next weekday). The portal says so rather than
guess silently: `schedule_known`, `schedule_warning`, and a `ScheduleUnknown` warning from the
module-level functions.

One query answers a whole range: `calendar_for(city, start, end)` loads the overrides once and then
answers in memory. The module-level functions are for a single deadline; loops use a calendar.
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import holidays
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from holidays.countries.china import ChinaStaticHolidays

from supervision.models import CalendarOverride, CalendarYear, City

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

ONE_DAY = datetime.timedelta(days=1)


class ScheduleUnknown(UserWarning):
    """An answer depends on a year whose State Council holiday schedule is not loaded: it is estimated."""

    def __init__(self, year: int, city_id: int | None) -> None:
        self.year = year
        self.city_id = city_id
        where = "every city" if city_id is None else f"city {city_id}"
        super().__init__(f"the holiday schedule of {year} is not loaded for {where}; working days are estimated")


@dataclass(frozen=True)
class _PackageYear:
    days_off: frozenset[datetime.date]
    weekend_workdays: frozenset[datetime.date]


@lru_cache(maxsize=256)
def _package_year(year: int) -> _PackageYear:
    # The next year's table too: its notice may move late-December weekend days (2001-12-29).
    table = holidays.China(years=(year, year + 1))
    return _PackageYear(
        days_off=frozenset(day for day in table if day.year == year),
        weekend_workdays=frozenset(day for day in table.weekend_workdays if day.year == year),
    )


def package_is_working_day(day: datetime.date) -> bool:
    """What the holiday package alone says, overrides aside (an estimate for years it does not know)."""
    table = _package_year(day.year)
    if day.weekday() >= 5:
        return day in table.weekend_workdays
    return day not in table.days_off


def package_knows(year: int) -> bool:
    """Whether the package holds the State Council's notice for `year` (not just an estimate)."""
    return year in ChinaStaticHolidays.special_public_holidays


def _city_id(city: City | int | None) -> int | None:
    return city.pk if isinstance(city, City) else city


def _check_date(day: datetime.date) -> None:
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError(f"expected a date (timezone.localdate(moment) for a moment), not {day!r}")


def schedule_known(year: int, city: City | int | None = None) -> bool:
    """Whether `year`'s working days are known for `city`: from the package or entered by the bureau."""
    if package_knows(year):
        return True
    city_id = _city_id(city)
    return CalendarYear.objects.filter(
        Q(city__isnull=True) | Q(city_id=city_id), year=year, schedule_loaded=True
    ).exists()


def schedule_warning(year: int, city: City | int | None = None) -> str | None:
    """The notice a page shows when `year`'s working days are only estimated; None when they are known."""
    if schedule_known(year, city):
        return None
    return _(
        "%(year)s年的国务院节假日安排尚未录入，该年的工作日暂按法定节假日推算，调休上班日可能不准确。"
        "请系统管理员在“年度放假安排”中录入。"
    ) % {"year": year}


class WorkingCalendar:
    """Working days of one city (or of every city) from `start` to `end` inclusive, answered in memory."""

    def __init__(
        self,
        city_id: int | None,
        start: datetime.date,
        end: datetime.date,
        overrides: dict[datetime.date, bool],
    ) -> None:
        self.city_id = city_id
        self.start = start
        self.end = end
        self._overrides = overrides

    def is_working_day(self, day: datetime.date) -> bool:
        if not self.start <= day <= self.end:
            # Outside the loaded range the overrides are unknown: answering would be a silent guess.
            raise ValueError(f"{day} is outside this calendar ({self.start}..{self.end})")
        override = self._overrides.get(day)
        return package_is_working_day(day) if override is None else override

    def days(self) -> list[datetime.date]:
        return [self.start + ONE_DAY * offset for offset in range((self.end - self.start).days + 1)]

    def working_days(self) -> list[datetime.date]:
        return [day for day in self.days() if self.is_working_day(day)]

    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def unknown_years(self) -> list[int]:
        """Years of this range whose schedule is only estimated (a query only for years past the package)."""
        return [year for year in self.years() if not schedule_known(year, self.city_id)]

    def schedule_warnings(self) -> list[str]:
        return [message for year in self.years() if (message := schedule_warning(year, self.city_id))]


def calendar_for(city: City | int | None, start: datetime.date, end: datetime.date) -> WorkingCalendar:
    """Load the overrides of `start`..`end` (inclusive) in one query; a city's own rows win over all-city rows."""
    _check_date(start)
    _check_date(end)
    if end < start:
        raise ValueError(f"the calendar ends ({end}) before it starts ({start})")
    city_id = _city_id(city)
    rows = CalendarOverride.objects.filter(Q(city__isnull=True) | Q(city_id=city_id), date__range=(start, end))
    overrides: dict[datetime.date, bool] = {}
    for day, row_city_id, working in rows.order_by().values_list("date", "city_id", "is_working_day"):
        if row_city_id is not None or day not in overrides:
            overrides[day] = working
    return WorkingCalendar(city_id, start, end, overrides)


def _warn_unknown(years: Iterable[int], city_id: int | None) -> None:
    for year in years:
        if not schedule_known(year, city_id):
            warnings.warn(ScheduleUnknown(year, city_id), stacklevel=3)


def is_working_day(day: datetime.date, city: City | int | None = None) -> bool:
    calendar = calendar_for(city, day, day)
    _warn_unknown(calendar.years(), calendar.city_id)
    return calendar.is_working_day(day)


def add_working_days(day: datetime.date, n: int, city: City | int | None = None) -> datetime.date:
    """The n-th working day after `day`; for n = 0, `day` itself if it is a working day, else the next one.

    `day` itself never counts (民法典第二百零一条: a period starts the next day), so a demand
    received on 2026-02-13 with one working day to answer is due 2026-02-14, an adjusted Saturday.
    n = 0 is the rule for a deadline that falls on a day off: it moves to the next working day
    (民法典第二百零三条).
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    city_id = _city_id(city)
    # Long enough for n working days with the longest holiday in the range; extended if not.
    calendar = calendar_for(city_id, day, day + ONE_DAY * (2 * n + 31))
    needed = 1 if n == 0 and not calendar.is_working_day(day) else n
    current, counted = day, 0
    while counted < needed:
        current += ONE_DAY
        if current > calendar.end:
            calendar = calendar_for(city_id, current, current + ONE_DAY * 62)
        if calendar.is_working_day(current):
            counted += 1
    _warn_unknown(range(day.year, current.year + 1), city_id)
    return current


def working_days_between(start: datetime.date, end: datetime.date, city: City | int | None = None) -> int:
    """Working days after `start` up to and including `end`, so `working_days_between(d, add_working_days(d, n))`
    is n for n ≥ 1; negative when `end` is before `start`. For a month's working days count one calendar's."""
    if end < start:
        return -working_days_between(end, start, city)
    if end == start:
        return 0
    calendar = calendar_for(city, start + ONE_DAY, end)
    _warn_unknown(calendar.years(), calendar.city_id)
    return len(calendar.working_days())


def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The package's holidays of `year` named in Chinese (元旦, 春节, …), without estimated days in lieu."""
    return dict(holidays.China(years=year, observed=False, language="zh_CN").items())


_DAY = r"\d{4}-\d{1,2}-\d{1,2}"
_RANGE = re.compile(rf"^({_DAY})\s*(?:至|到|~|～|\.\.)\s*({_DAY})$")
_SEPARATORS = re.compile(r"[\n,，、;；]+")


def _parse_day(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise ValueError(_("“%(text)s”不是日期，请写成 2027-02-05。") % {"text": text}) from exc


def parse_days(text: str) -> list[datetime.date]:
    """Dates as the bureau types them from a notice: one per line or comma, ranges as "2027-02-05 至 2027-02-11"."""
    days: set[datetime.date] = set()
    for item in _SEPARATORS.split(text.strip()):
        item = item.strip()
        if not item:
            continue
        if match := _RANGE.match(item):
            first, last = _parse_day(match[1]), _parse_day(match[2])
            if not first <= last <= first + ONE_DAY * 30:
                raise ValueError(_("“%(text)s”不是一个月以内的日期区间。") % {"text": item})
            days.update(first + ONE_DAY * offset for offset in range((last - first).days + 1))
        else:
            days.add(_parse_day(item))
    return sorted(days)


def schedule_problems(year: int, days_off: list[datetime.date], working_days: list[datetime.date]) -> list[str]:
    """What is wrong with a year's schedule as typed: dates outside it, clashes, forgotten statutory days."""
    problems = []
    # A notice may move the last weekend days of December before the year (2001-12-29 for 2002).
    earliest = datetime.date(year - 1, 12, 1)
    for day in sorted({*days_off, *working_days}):
        if not earliest <= day <= datetime.date(year, 12, 31):
            problems.append(_("%(day)s不在%(year)s年内。") % {"day": day, "year": year})
    for day in sorted(set(days_off) & set(working_days)):
        problems.append(_("%(day)s既列为放假又列为上班。") % {"day": day})
    for day in working_days:
        if day.weekday() < 5:
            problems.append(_("%(day)s不是周末，本来就上班，无需列为调休上班。") % {"day": day})
    for day, name in sorted(statutory_holidays(year).items()):
        if day.weekday() < 5 and day not in days_off:
            problems.append(_("法定节假日%(day)s（%(name)s）没有列入放假日期。") % {"day": day, "name": name})
    return problems


@transaction.atomic
def load_year_schedule(
    schedule: CalendarYear,
    *,
    days_off: list[datetime.date],
    working_days: list[datetime.date],
    acting_user: AbstractBaseUser | None,
) -> list[CalendarOverride]:
    """Record a year's State Council schedule (validated with `schedule_problems`) as overrides.

    The schedule is the whole truth for its days: every weekday not listed as a day off works, every
    weekend day not listed as working rests. Only the days where the package's estimate differs are
    stored, so answering still costs one query; loading again replaces what the last load stored.
    """
    days_off_set, working_set = set(days_off), set(working_days)
    days = {*days_off_set, *working_set}
    day = datetime.date(schedule.year, 1, 1)
    while day.year == schedule.year:
        days.add(day)
        day += ONE_DAY
    official = {day: day in working_set or (day.weekday() < 5 and day not in days_off_set) for day in days}
    wanted = {day: working for day, working in official.items() if working != package_is_working_day(day)}

    for stale in schedule.overrides.exclude(date__in=list(wanted)):
        stale._history_user = acting_user
        stale.delete()
    existing = {row.date: row for row in CalendarOverride.objects.filter(city=schedule.city, date__in=list(wanted))}
    reason = schedule.note or f"{schedule.year}年国务院放假安排"  # stored data, in the portal's language
    stored = []
    for day, working in sorted(wanted.items()):
        row = existing.get(day) or CalendarOverride(city=schedule.city, date=day)
        row.is_working_day, row.reason, row.schedule = working, reason, schedule
        row._history_user = acting_user
        row.save()
        stored.append(row)
    schedule.schedule_loaded = True
    schedule._history_user = acting_user
    schedule.save()
    return stored
