from __future__ import annotations

import pytest

from supervision.models import LeaveKind, Person
from supervision.permissions import Role
from tests.factories import make_user


@pytest.fixture
def org(org):
    """The shared organisation, with the leave kinds of migration 0007 (a transactional test flushes them)."""
    LeaveKind.objects.ensure_defaults()
    return org


@pytest.fixture
def deputy_weihui(org):
    return make_user("deputy_weihui", [Role.COUNTY_STAFF], org.weihui, Person.Position.DEPUTY)


@pytest.fixture
def staff2_weihui(org):
    return make_user("staff2_weihui", [Role.COUNTY_STAFF], org.weihui, Person.Position.STAFF)


@pytest.fixture
def deputy_huixian(org):
    return make_user("deputy_huixian", [Role.COUNTY_STAFF], org.huixian, Person.Position.DEPUTY)


@pytest.fixture
def staff_huixian(org):
    return make_user("staff_huixian", [Role.COUNTY_STAFF], org.huixian, Person.Position.STAFF)
