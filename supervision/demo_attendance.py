"""Demo attendance (第五条): a month of sign-ins, leaves in every state, a head away with an acting
person presiding (head_weihui, with deputy_weihui), and a visit with a discrepancy.

Built through the actions, as users would; every step is skipped when its record exists, so
running `seed_demo` twice on a day changes nothing.
"""

from __future__ import annotations

import datetime
import zlib
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from supervision.models import Agency, DisciplineVisit, Leave, LeaveKind, Person, SignIn
from supervision.models.attendance import Half

DAYS_BACK = 31


def _aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _score(*parts: object) -> int:
    return zlib.crc32("|".join(str(part) for part in parts).encode()) % 100


def seed_attendance(**_options: Any) -> None:
    from supervision.workdays import calendar_for

    LeaveKind.objects.ensure_defaults()
    today = timezone.localdate()
    calendar = calendar_for(
        Agency.objects.filter(name="新乡市社会保险中心").values_list("city_id", flat=True).first(),
        today - datetime.timedelta(days=40),
        today + datetime.timedelta(days=40),
    )
    _seed_leaves(today)
    _seed_sign_ins(today, calendar)
    _seed_visit(today, calendar)


def _user(username: str) -> User:
    return User.objects.select_related("person__agency").get(username=username)


def _kind(name: str) -> LeaveKind:
    return LeaveKind.objects.get(name=name)


# (username, kind, start offset, start half, end offset, end half, submitted days ago, reason, outcome, acting)
LEAVES = [
    ("staff_weihui", "病假", -10, Half.AM, -10, Half.AM, 11, "发热就医。", "returned", None),
    ("staff_huixian", "事假", -8, Half.AM, -8, Half.PM, 9, "处理家中房屋过户手续。", "rejected", None),
    ("staff2_huixian", "外出", 2, Half.AM, 2, Half.PM, 0, "到市社保中心报送季度报表。", "withdrawn", None),
    ("staff_hongqi", "出差", -3, Half.AM, 1, Half.PM, 5, "赴省社保中心参加经办业务培训。", "approved", None),
    ("staff2_hongqi", "年休假", -12, Half.AM, -11, Half.PM, 14, "休年假。", "approved", None),
    ("deputy_huixian", "病假", -5, Half.PM, -5, Half.PM, 5, "复诊。", "returned", None),
    ("head_huixian", "事假", -20, Half.AM, -18, Half.PM, 23, "处理家庭事务。", "returned_late", "deputy_huixian"),
    ("head_hongqi", "事假", -15, Half.AM, -14, Half.PM, 17, "陪同家人就医。", "returned_unfiled", "deputy_hongqi"),
    ("head_weihui", "年休假", -2, Half.AM, 2, Half.PM, 5, "休年假，在新乡市区。", "running", "deputy_weihui"),
    ("staff2_weihui", "事假", 1, Half.AM, 1, Half.PM, 0, "陪同家人体检。", "submitted", None),
    (
        "head_hongqi",
        "外出",
        3,
        Half.AM,
        5,
        Half.PM,
        0,
        "参加省人社厅组织的社保经办管理培训。",
        "submitted",
        "deputy_hongqi",
    ),
]


def _seed_leaves(today: datetime.date) -> None:
    from supervision.actions import attendance as actions
    from supervision.attendance import presiding_person

    leader, office, personnel = _user("leader"), _user("office"), _user("personnel")
    for username, kind_name, start, start_half, end, end_half, ago, reason, outcome, acting in LEAVES:
        user = _user(username)
        kind = _kind(kind_name)
        start_date, end_date = today + datetime.timedelta(days=start), today + datetime.timedelta(days=end)
        if Leave.objects.filter(person=user.person, kind=kind, start_date=start_date).exists():
            continue
        submitted_at = timezone.now() - datetime.timedelta(days=ago, hours=2)
        leave = actions.leave_submit(
            acting_user=user,
            submitted_at=submitted_at,
            request=actions.LeaveRequest(
                kind=kind,
                start_date=start_date,
                start_half=start_half,
                end_date=end_date,
                end_half=end_half,
                reason=reason,
                contact=user.person.phone or "139" + str(zlib.crc32(username.encode()) % 10**8).zfill(8),
                destination="省社保中心（郑州）" if kind.is_outing else "",
                acting_person=Person.objects.get(user__username=acting) if acting else None,
            ),
        )
        if outcome in {"submitted"}:
            continue
        if outcome == "withdrawn":
            actions.leave_withdraw(leave, acting_user=user, reason="报表改为网上报送。")
            continue
        approver = leader if leave.approval_level == Leave.Level.CITY else presiding_person(leave.agency_id).user
        if outcome == "rejected":
            actions.leave_reject(leave, acting_user=approver, reason="当月业务高峰，请调整到下月。")
            continue
        actions.leave_approve(leave, acting_user=approver, note="同意。")
        if leave.is_head_leave:
            for filing in leave.filings.order_by("section"):
                if outcome in {"running", "returned_unfiled"} and filing.section == filing.Section.PERSONNEL:
                    continue  # the personnel section has yet to acknowledge: the demo shows it waiting
                actions.filing_acknowledge(filing, acting_user=office if filing.section == "office" else personnel)
        if outcome in {"returned", "returned_unfiled"}:
            back = timezone.make_aware(datetime.datetime.combine(end_date, datetime.time(17, 30)))
            if end_half == Half.AM:
                back = _aware(end_date, 14, 30)
            actions.leave_return(leave, acting_user=user, returned_at=back, note="已按时返岗。")
        if outcome == "returned_late":
            leave.refresh_from_db()
            late = _aware(leave.due_back_on + datetime.timedelta(days=1), 9, 5)
            actions.leave_return(leave, acting_user=user, returned_at=late, note="返程车次延误。")


def _seed_sign_ins(today: datetime.date, calendar: Any) -> None:
    """About a month of sign-ins for every county agency's people: mostly in time, some late, a few missing."""
    from supervision.attendance import build_sheet

    now = timezone.now()
    agencies = Agency.objects.county_agencies().active()
    existing = set(
        SignIn.objects.filter(date__gte=today - datetime.timedelta(days=DAYS_BACK)).values_list("person_id", "date")
    )
    new = []
    for agency in agencies:
        people = list(agency.people.active())
        sheet = build_sheet(agency, people, today - datetime.timedelta(days=DAYS_BACK), today)
        for row in sheet.rows:
            person = row.person
            for record in row.days:
                day = record.day
                if not sheet.working[day] or (person.pk, day) in existing:
                    continue
                if record.am_leave and record.pm_leave:
                    continue
                score = _score(person.name, person.agency_id, day)
                if score < 5 and day != today:
                    continue  # did not sign in: absent
                start = datetime.datetime.combine(day, agency.work_starts_at)
                if score < 13 and not record.am_leave:
                    moment = start + datetime.timedelta(minutes=3 + score * 4)
                else:
                    moment = start - datetime.timedelta(minutes=5 + score % 35)
                if record.am_leave:
                    moment = datetime.datetime.combine(day, datetime.time(14, 20))
                signed_at = timezone.make_aware(moment)
                if signed_at > now:
                    continue
                new.append(
                    SignIn(
                        person=person,
                        agency=agency,
                        date=day,
                        signed_at=signed_at,
                        ip_address=f"10.{agency.pk % 250}.{person.pk % 250}.{score + 10}",
                        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0",
                    )
                )
    SignIn.objects.bulk_create(new, ignore_conflicts=True)


def _seed_visit(today: datetime.date, calendar: Any) -> None:
    """An unannounced visit to 卫辉市 on the last working day: one person signed in but was not there."""
    from supervision.actions import attendance as actions

    day = today - datetime.timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= datetime.timedelta(days=1)
    agency = Agency.objects.get(division__name="卫辉市", kind=Agency.Kind.COUNTY_AGENCY)
    visited_at = _aware(day, 10, 20)
    if DisciplineVisit.objects.filter(agency=agency, visited_at=visited_at).exists():
        return
    people = {
        person.user.username: person for person in agency.people.filter(user__isnull=False).select_related("user")
    }
    for username in ("staff_weihui", "staff2_weihui", "deputy_weihui"):
        person = people[username]
        SignIn.objects.get_or_create(
            person=person,
            date=day,
            defaults={"agency": agency, "signed_at": _aware(day, 8, 12), "ip_address": "10.1.1.20"},
        )
    actions.visit_record(
        acting_user=_user("inspector"),
        agency=agency,
        visited_at=visited_at,
        method=DisciplineVisit.Method.UNANNOUNCED,
        notes="上午10时20分到达服务大厅，核查窗口和后台人员在岗情况。",
        observations={
            people["deputy_weihui"].pk: True,
            people["staff_weihui"].pk: True,
            people["staff2_weihui"].pk: False,
        },
    )
