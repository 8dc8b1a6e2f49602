"""Reading attendance (第五条): each person's day, month sheets, the city's day, who presides now.

Nothing here writes. Every sheet costs a fixed number of queries whatever the number of people:
the people, their sign-ins and their granted leaves of the range, one working-day calendar.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.models import Agency, AttendancePolicy, Leave, Person, SignIn
from supervision.models.attendance import Half, slot
from supervision.workdays import calendar_for

HALF_DAY = Decimal("0.5")
ONE = Decimal("1")
ZERO = Decimal("0")


class DayStatus(models.TextChoices):
    PRESENT = "present", _("出勤")
    LATE = "late", _("迟到")
    ABSENT = "absent", _("缺勤")
    ON_LEAVE = "leave", _("请假")
    OUT_ON_BUSINESS = "outing", _("外出、出差")
    NOT_WORKING = "off", _("非工作日")
    NOT_YET = "pending", _("尚未签到")
    FUTURE = "future", _("未到")


SYMBOLS = {
    DayStatus.PRESENT: "√",
    DayStatus.LATE: "迟",
    DayStatus.ABSENT: "缺",
    DayStatus.NOT_WORKING: "休",
    DayStatus.NOT_YET: "",
    DayStatus.FUTURE: "",
}

CSS = {
    DayStatus.PRESENT: "att-present",
    DayStatus.LATE: "att-late",
    DayStatus.ABSENT: "att-absent",
    DayStatus.ON_LEAVE: "att-leave",
    DayStatus.OUT_ON_BUSINESS: "att-outing",
    DayStatus.NOT_WORKING: "att-off",
    DayStatus.NOT_YET: "att-pending",
    DayStatus.FUTURE: "att-future",
}


@dataclass
class DayRecord:
    """One person's day: its status and what it counts for in the month's totals."""

    day: datetime.date
    status: str
    sign_in: SignIn | None = None
    am_leave: Leave | None = None
    pm_leave: Leave | None = None
    attended: Decimal = ZERO
    absent: Decimal = ZERO
    on_leave: Decimal = ZERO
    out: Decimal = ZERO
    late: bool = False
    counted: bool = False  # a working day that is over (or signed in): part of the totals

    @property
    def label(self) -> str:
        return str(DayStatus(self.status).label)

    @property
    def css(self) -> str:
        return CSS[DayStatus(self.status)]

    @property
    def half_leave(self) -> Leave | None:
        """The leave of a day that is half leave, half work."""
        if bool(self.am_leave) != bool(self.pm_leave):
            return self.am_leave or self.pm_leave
        return None

    @property
    def leave(self) -> Leave | None:
        return self.am_leave or self.pm_leave

    @property
    def symbol(self) -> str:
        """What the personnel section writes in the day's cell: √, 迟, 缺, 休, 事, 病… and 事/√ for halves."""
        if self.am_leave and self.pm_leave:
            if self.am_leave.kind_id == self.pm_leave.kind_id:
                return self.am_leave.kind.symbol
            return f"{self.am_leave.kind.symbol}/{self.pm_leave.kind.symbol}"
        work = SYMBOLS.get(DayStatus(self.status), "")
        if self.am_leave:
            return f"{self.am_leave.kind.symbol}/{work or '—'}"
        if self.pm_leave:
            return f"{work or '—'}/{self.pm_leave.kind.symbol}"
        return work

    @property
    def describe(self) -> str:
        """The cell's tooltip: status, sign-in time, and the leave by half-day."""
        parts = [self.label]
        if self.sign_in:
            parts.append(str(_("签到 %(time)s")) % {"time": f"{timezone.localtime(self.sign_in.signed_at):%H:%M}"})
        if self.am_leave and self.am_leave is self.pm_leave:
            parts.append(str(self.am_leave.kind))
        else:
            if self.am_leave:
                parts.append(f"{Half.AM.label}{self.am_leave.kind}")
            if self.pm_leave:
                parts.append(f"{Half.PM.label}{self.pm_leave.kind}")
        return " · ".join(parts)


def _is_late(sign_in: SignIn, work_starts_at: datetime.time, grace_minutes: int) -> bool:
    signed = timezone.localtime(sign_in.signed_at)
    limit = datetime.datetime.combine(signed.date(), work_starts_at) + datetime.timedelta(minutes=grace_minutes)
    return signed.replace(tzinfo=None) > limit


def _leave_for(leaves: Iterable[Leave], half_slot: int) -> Leave | None:
    for leave in leaves:
        if half_slot in leave.granted_slots():
            return leave
    return None


def derive_day(
    day: datetime.date,
    *,
    working: bool,
    sign_in: SignIn | None,
    leaves: Iterable[Leave],
    work_starts_at: datetime.time,
    grace_minutes: int = 0,
    today: datetime.date | None = None,
) -> DayRecord:
    """A person's day from the calendar, their sign-in and their granted leaves, half-day by half-day.

    A day off is a day off whatever else happened. A leave (or going-out) covering both halves makes
    the day a leave day. Otherwise the working half decides: signed in in time — present; after the
    work-start time (plus grace) — late, unless the morning was on leave; no sign-in — absent once
    the day is over, "not yet" today. A half on leave counts half a day of leave.
    """
    today = today or timezone.localdate()
    leaves = list(leaves)
    record = DayRecord(day=day, status=DayStatus.NOT_WORKING, sign_in=sign_in)
    if not working:
        return record
    record.am_leave = _leave_for(leaves, slot(day, Half.AM))
    record.pm_leave = _leave_for(leaves, slot(day, Half.PM))
    for half_leave in (record.am_leave, record.pm_leave):
        if half_leave is None:
            continue
        if half_leave.kind.is_outing:
            record.out += HALF_DAY
        else:
            record.on_leave += HALF_DAY
    if record.am_leave and record.pm_leave:
        outing = record.am_leave.kind.is_outing and record.pm_leave.kind.is_outing
        record.status = DayStatus.OUT_ON_BUSINESS if outing else DayStatus.ON_LEAVE
        record.counted = day <= today
        return record
    share = HALF_DAY if record.leave else ONE
    if sign_in is not None:
        record.late = record.am_leave is None and _is_late(sign_in, work_starts_at, grace_minutes)
        record.status = DayStatus.LATE if record.late else DayStatus.PRESENT
        record.attended = share
        record.counted = True
    elif day < today:
        record.status = DayStatus.ABSENT
        record.absent = share
        record.counted = True
    else:
        record.status = DayStatus.NOT_YET if day == today else DayStatus.FUTURE
    return record


@dataclass
class Totals:
    """A person's month as the personnel section totals it (days, halves allowed; lateness in times)."""

    due: Decimal = ZERO
    attended: Decimal = ZERO
    late: int = 0
    absent: Decimal = ZERO
    on_leave: Decimal = ZERO
    out: Decimal = ZERO

    def add(self, record: DayRecord) -> None:
        if not record.counted:
            return
        self.due += ONE
        self.attended += record.attended
        self.late += int(record.late)
        self.absent += record.absent
        self.on_leave += record.on_leave
        self.out += record.out


@dataclass
class PersonRow:
    person: Person
    days: list[DayRecord]
    totals: Totals = field(default_factory=Totals)


@dataclass
class Sheet:
    """People × days of one agency (or one person), with the calendar it was read against."""

    agency: Agency
    days: list[datetime.date]
    working: dict[datetime.date, bool]
    rows: list[PersonRow]
    warnings: list[str]

    @property
    def working_day_count(self) -> int:
        return sum(self.working.values())


def month_days(year: int, month: int) -> list[datetime.date]:
    last = month_calendar.monthrange(year, month)[1]
    return [datetime.date(year, month, day) for day in range(1, last + 1)]


def build_sheet(
    agency: Agency,
    people: list[Person],
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
) -> Sheet:
    """Derive every person's days from `start` to `end` in a fixed number of queries."""
    today = today or timezone.localdate()
    calendar = calendar_for(agency.city_id, start, end)
    days = calendar.days()
    working = {day: calendar.is_working_day(day) for day in days}
    policy = AttendancePolicy.for_city(agency.city_id)
    ids = [person.pk for person in people]
    sign_ins = {
        (sign_in.person_id, sign_in.date): sign_in
        for sign_in in SignIn.objects.filter(person_id__in=ids, date__range=(start, end))
    }
    leaves: dict[int, list[Leave]] = defaultdict(list)
    for leave in Leave.objects.granted().filter(person_id__in=ids).touching(start, end).select_related("kind"):
        leaves[leave.person_id].append(leave)
    rows = []
    for person in people:
        row = PersonRow(person, [])
        for day in days:
            record = derive_day(
                day,
                working=working[day],
                sign_in=sign_ins.get((person.pk, day)),
                leaves=leaves.get(person.pk, ()),
                work_starts_at=agency.work_starts_at,
                grace_minutes=policy.late_grace_minutes,
                today=today,
            )
            row.days.append(record)
            row.totals.add(record)
        rows.append(row)
    return Sheet(agency, days, working, rows, calendar.schedule_warnings())


def agency_people(agency: Agency) -> list[Person]:
    return list(agency.people.active().order_by("position", "name"))


def month_sheet(agency: Agency, year: int, month: int, *, people: list[Person] | None = None) -> Sheet:
    days = month_days(year, month)
    return build_sheet(agency, agency_people(agency) if people is None else people, days[0], days[-1])


# Who presides (主持工作).


@dataclass
class Presiding:
    """Who presides over an agency at a moment: its head, or the acting person during the head's leave."""

    head: Person | None
    person: Person | None
    leave: Leave | None = None

    @property
    def is_acting(self) -> bool:
        return self.leave is not None


def presiding_people(
    agency_ids: Iterable[int], at: datetime.datetime | None = None, *, people: Iterable[Person] | None = None
) -> dict[int, Presiding]:
    """Who presides over each agency at `at` (now by default), in two queries for any number of agencies.

    `people`: the agencies' active people when the caller has them already (one query fewer).
    """
    at = at or timezone.now()
    ids = list(agency_ids)
    if people is None:
        people = Person.objects.active().filter(agency_id__in=ids, position=Person.Position.HEAD)
    heads: dict[int, Person] = {}
    for head in sorted(people, key=lambda person: person.pk):
        if head.position == Person.Position.HEAD and head.agency_id in ids:
            heads.setdefault(head.agency_id, head)
    result = {agency_id: Presiding(heads.get(agency_id), heads.get(agency_id)) for agency_id in ids}
    running = (
        Leave.objects.presiding_at(at)
        .filter(agency_id__in=ids)
        .select_related("acting_person", "acting_person__user", "kind", "person")
        .order_by("start_date")
    )
    for leave in running:
        head = heads.get(leave.agency_id)
        if head is not None and leave.person_id == head.pk:
            result[leave.agency_id] = Presiding(head, leave.acting_person, leave)
    return result


def agencies_presided_by(user_id: int, at: datetime.datetime | None = None) -> models.QuerySet[Agency]:
    """The agencies over which this user presides at `at` (now by default): what `presiding_people`
    answers, as a queryset, so that a page can count what waits for the user without reading who presides."""
    first_head = Person.objects.active().filter(agency=models.OuterRef("pk"), position=Person.Position.HEAD)
    first_head = first_head.order_by("pk")
    heads_leave = Leave.objects.presiding_at(at or timezone.now()).filter(
        agency=models.OuterRef("pk"), person=models.OuterRef("head_id")
    )
    return (
        Agency.objects.annotate(
            head_id=models.Subquery(first_head.values("pk")[:1]),
            head_user_id=models.Subquery(first_head.values("user_id")[:1]),
        )
        .annotate(
            head_away=models.Exists(heads_leave),
            acting_user_id=models.Subquery(heads_leave.order_by("-start_date").values("acting_person__user_id")[:1]),
        )
        .filter(models.Q(head_away=True, acting_user_id=user_id) | models.Q(head_away=False, head_user_id=user_id))
        .values("pk")
    )


def presiding_person(agency: Agency | int, at: datetime.datetime | None = None) -> Person | None:
    """The head, or — while the head is away on approved leave and has not recorded 销假 — the acting person."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return presiding_people([agency_id], at)[agency_id].person


# The city's day.


class _SignedAt(NamedTuple):
    """What `derive_day` reads of a sign-in when only the day's status is wanted."""

    signed_at: datetime.datetime


@dataclass
class AgencyDay:
    agency: Agency
    presiding: Presiding
    people: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def present(self) -> int:
        return self.count(DayStatus.PRESENT) + self.count(DayStatus.LATE)


def city_day(agencies: list[Agency], day: datetime.date, *, today: datetime.date | None = None) -> list[AgencyDay]:
    """Every agency's day at a glance: a fixed number of queries per city, whatever the head count."""
    today = today or timezone.localdate()
    ids = [agency.pk for agency in agencies]
    # Only the columns the counts need: model instances for thousands of people and sign-ins cost
    # more than the queries themselves.
    people_by_agency: dict[int, list[int]] = defaultdict(list)
    for person_id, agency_id in (
        Person.objects.active().filter(agency_id__in=ids).order_by().values_list("pk", "agency_id")
    ):
        people_by_agency[agency_id].append(person_id)
    # By the people's agencies, not by a list of thousands of person ids (building that query cost
    # more than running it); a row of someone no longer active is fetched but never looked at.
    sign_ins = {
        person_id: _SignedAt(signed_at)
        for person_id, signed_at in SignIn.objects.filter(person__agency_id__in=ids, date=day)
        .order_by()
        .values_list("person_id", "signed_at")
    }
    leaves: dict[int, list[Leave]] = defaultdict(list)
    for leave in Leave.objects.granted().filter(person__agency_id__in=ids).touching(day, day).select_related("kind"):
        leaves[leave.person_id].append(leave)
    calendars = {city_id: calendar_for(city_id, day, day) for city_id in {agency.city_id for agency in agencies}}
    policies = {city_id: AttendancePolicy.for_city(city_id) for city_id in calendars}
    moment = timezone.now() if day == today else timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    presiding = presiding_people(ids, moment)
    result = []
    for agency in agencies:
        summary = AgencyDay(agency, presiding[agency.pk])
        working = calendars[agency.city_id].is_working_day(day)
        for person_id in people_by_agency.get(agency.pk, []):
            summary.people += 1
            record = derive_day(
                day,
                working=working,
                sign_in=sign_ins.get(person_id),  # type: ignore[arg-type]  # only its time is read
                leaves=leaves.get(person_id, ()),
                work_starts_at=agency.work_starts_at,
                grace_minutes=policies[agency.city_id].late_grace_minutes,
                today=today,
            )
            summary.counts[record.status] += 1
        result.append(summary)
    return result


def parse_month(text: str | None, default: datetime.date | None = None) -> tuple[int, int]:
    """ "2026-03" → (2026, 3); anything else → the default's (this) month."""
    default = default or timezone.localdate()
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return default.year, default.month


def parse_day(text: str | None, default: datetime.date | None = None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text or "")
        if 2000 <= day.year <= 2100:
            return day
    except ValueError:
        pass
    return default or timezone.localdate()


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


# Discipline visits: what was found, set against the sign-ins and the approved leave of the day.


class Discrepancy(models.TextChoices):
    ABSENT_WITHOUT_LEAVE = "absent", _("不在岗，且无批准的请假或外出报备")
    SIGNED_IN_BUT_ABSENT = "signed_absent", _("已签到但不在岗，且无批准的请假或外出报备")
    PRESENT_WITHOUT_SIGN_IN = "unsigned", _("在岗，但检查时尚未签到")
    PRESENT_DURING_LEAVE = "on_leave", _("请假（外出）期间在岗，未办理销假")


@dataclass
class VisitRow:
    person: Person
    observation: object | None
    sign_in: SignIn | None
    leaves: list[Leave]
    away: Leave | None
    discrepancy: str | None = None

    @property
    def discrepancy_label(self) -> str:
        return str(Discrepancy(self.discrepancy).label) if self.discrepancy else ""

    @property
    def signed_in_before_visit(self) -> bool:
        return self.sign_in is not None


def visit_rows(visit: object) -> tuple[list[VisitRow], bool]:
    """Each person of the visited agency: sign-in, approved leave and what the visit found, side by side.

    Returns the rows and whether the day was a working day (on a day off nobody is due at work, so
    an absence is no discrepancy).
    """
    from supervision.models.attendance import slot_of

    day = timezone.localdate(visit.visited_at)
    observations = {obs.person_id: obs for obs in visit.observations.select_related("person", "finding")}
    people = {person.pk: person for person in Person.objects.active().filter(agency_id=visit.agency_id)}
    for obs in observations.values():
        people.setdefault(obs.person_id, obs.person)
    ids = list(people)
    sign_ins = {sign_in.person_id: sign_in for sign_in in SignIn.objects.filter(person_id__in=ids, date=day)}
    leaves: dict[int, list[Leave]] = defaultdict(list)
    for leave in Leave.objects.granted().filter(person_id__in=ids).touching(day, day).select_related("kind"):
        leaves[leave.person_id].append(leave)
    working = calendar_for(visit.agency.city_id, day, day).is_working_day(day)
    moment = slot_of(visit.visited_at)
    rows = []
    for person in sorted(people.values(), key=lambda p: (p.position, p.name)):
        own = leaves.get(person.pk, [])
        away = next((leave for leave in own if moment in leave.granted_slots()), None)
        sign_in = sign_ins.get(person.pk)
        # A sign-in after the visit does not show the person was at work when the visit came.
        in_time = sign_in if sign_in is not None and sign_in.signed_at <= visit.visited_at else None
        row = VisitRow(person, observations.get(person.pk), sign_in, own, away)
        obs = row.observation
        if obs is not None and working:
            if not obs.present and away is None:
                row.discrepancy = Discrepancy.SIGNED_IN_BUT_ABSENT if in_time else Discrepancy.ABSENT_WITHOUT_LEAVE
            elif obs.present and away is not None:
                row.discrepancy = Discrepancy.PRESENT_DURING_LEAVE
            elif obs.present and in_time is None:
                row.discrepancy = Discrepancy.PRESENT_WITHOUT_SIGN_IN
        rows.append(row)
    return rows, working
