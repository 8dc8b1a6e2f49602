"""Helpers that build attendance records through the actions, as users would."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from supervision.actions import attendance as actions
from supervision.models import Leave, LeaveKind, Person, SignIn
from supervision.models.attendance import Half


def kind(name: str = "事假") -> LeaveKind:
    return LeaveKind.objects.get(name=name)


def request_for(
    start: datetime.date,
    end: datetime.date | None = None,
    *,
    kind_name: str = "事假",
    start_half: str = Half.AM,
    end_half: str = Half.PM,
    acting: Any = None,
) -> actions.LeaveRequest:
    acting_person = acting.person if hasattr(acting, "person") and not isinstance(acting, Person) else acting
    return actions.LeaveRequest(
        kind=kind(kind_name),
        start_date=start,
        start_half=start_half,
        end_date=end or start,
        end_half=end_half,
        reason="家中有事。",
        contact="13900000000",
        acting_person=acting_person,
    )


def submit(user: Any, start: datetime.date, end: datetime.date | None = None, **kwargs: Any) -> Leave:
    submitted_at = kwargs.pop("submitted_at", None)
    return actions.leave_submit(acting_user=user, request=request_for(start, end, **kwargs), submitted_at=submitted_at)


def approved(user: Any, approver: Any, start: datetime.date, end: datetime.date | None = None, **kwargs: Any) -> Leave:
    leave = submit(user, start, end, **kwargs)
    return actions.leave_approve(leave, acting_user=approver)


def sign_in_at(user: Any, moment: datetime.datetime) -> SignIn:
    person = user.person
    return SignIn.objects.create(
        person=person, agency=person.agency, date=timezone.localdate(moment), signed_at=moment, ip_address="10.0.0.1"
    )


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def days_from_today(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
