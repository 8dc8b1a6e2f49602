from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from supervision.actions.accountability import accountability_record
from supervision.models import AccountabilityRecord
from supervision.permissions import visible_accountability

pytestmark = pytest.mark.django_db


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="supervision", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


def record(user, org, person=None) -> AccountabilityRecord:
    return accountability_record(
        acting_user=user,
        agency=org.weihui,
        person=person,
        breach="违反首问负责制，推诿群众咨询。",
        decision="给予诫勉谈话。",
        consequence=AccountabilityRecord.Consequence.ADMONITION,
        decided_by="卫辉市人力资源和社会保障局",
        decided_on=datetime.date(2026, 6, 1),
    )


def test_only_granted_users_record_and_see(org, inspector, head_weihui, staff_weihui):
    with pytest.raises(PermissionDenied):
        record(inspector, org)
    inspector = grant(inspector, "add_accountabilityrecord", "view_accountabilityrecord")
    entry = record(inspector, org, person=staff_weihui.person)
    assert list(visible_accountability(inspector)) == [entry]
    assert not visible_accountability(head_weihui).exists()
    assert not visible_accountability(staff_weihui).exists()


def test_granted_user_sees_only_within_reach(org, head_huixian, admin_user):
    record(admin_user, org)
    head_huixian = grant(head_huixian, "view_accountabilityrecord")
    assert not visible_accountability(head_huixian).exists()


def test_personnel_consequences_are_flagged(org, admin_user):
    entry = record(admin_user, org)
    assert not entry.is_personnel_matter
    entry.consequence = AccountabilityRecord.Consequence.TRANSFER
    assert entry.is_personnel_matter
