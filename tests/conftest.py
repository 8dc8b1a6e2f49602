"""Shared fixtures: a small city with three counties and the named personas of STYLE.md.

Tests run against the real PostgreSQL and Redis given by DATABASE_URL and REDIS_URL (see the
pytest configuration in pyproject.toml and `make test`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django import forms
from django.contrib import admin
from django.db import connections
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from zeal import setup as zeal_setup
from zeal import teardown as zeal_teardown
from zeal import zeal_ignore

from supervision.models import Agency, City, Division, Person
from supervision.permissions import Role
from tests.factories import FAST_PASSWORD_HASHERS, make_user

pytest_plugins = ["tests.servers", "tests.shared_data"]

# The property tests draw the same examples on every run, so CI passes or fails on the code, not on
# the luck of the draw. `HYPOTHESIS_PROFILE=explore make test` draws afresh each run; add what
# it finds as an @example.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The N+1 guard (N_PLUS_ONE_GUARD in the settings): requests are wrapped by zeal's middleware; Celery
# tasks, run by the test worker or eagerly, here. Each request and each task is judged on its own, so
# a test that asks for the same page twice, or runs an action in a loop, is not an N+1.
_zeal_tokens: dict[str, object] = {}


@task_prerun.connect
def _guard_task(task_id: str, **_kwargs: object) -> None:
    _zeal_tokens[task_id] = zeal_setup()


@task_postrun.connect
def _unguard_task(task_id: str, **_kwargs: object) -> None:
    zeal_teardown(_zeal_tokens.pop(task_id, None))


def _not_an_n_plus_one(method, allowlist):
    def wrapper(*args, **kwargs):
        with zeal_ignore(allowlist):
            return method(*args, **kwargs)

    return wrapper


# The rest of the allowlist (ZEAL_ALLOWLIST in the settings has the part that is a model's field):
# - a form's choice field fetches the one chosen row with get(); a form with two choice fields of one
#   model (an agency and a handling unit, a person and who assigned them) does so twice on one line;
# - the admin site (system administrators' configuration pages): Django labels every choice, raw-id
#   value, inline row and deletion-summary row by its str(), one by one. Not guarded for now (the
#   assessment admin is fixed; the others are listed in the guard's merge notes); the portal is.
forms.ModelChoiceField.to_python = _not_an_n_plus_one(
    forms.ModelChoiceField.to_python, [{"model": "*", "field": "get()"}]
)


def _rendered(view):
    def wrapper(*args, **kwargs):
        response = view(*args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()  # the template too, inside the ignore
        return response

    return wrapper


_admin_view = admin.AdminSite.admin_view
admin.AdminSite.admin_view = lambda site, view, cacheable=False: _admin_view(
    site, _not_an_n_plus_one(_rendered(view), None), cacheable
)


_truncate = PostgresOperations.sql_flush


def _delete_rows(ops, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Emptying the tables after a test that commits: DELETE, not Django's TRUNCATE, which gives each of
    our 160-odd tables new files (2 s a test; these tables hold a few rows). The foreign keys are
    deferred, checked once all are empty."""
    if reset_sequences or allow_cascade:
        return _truncate(ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    deletes = [f"DELETE FROM {ops.quote_name(table)}" for table in tables]  # noqa: S608 - our own table names
    return ["SET CONSTRAINTS ALL DEFERRED", *deletes]


PostgresOperations.sql_flush = _delete_rows


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _chinese_outside_requests() -> Iterator[None]:
    """A test that switches a request to English must not leave later tests' gettext in English."""
    yield
    translation.activate("zh-hans")


@dataclass
class Org:
    city: City
    city_bureau: Agency
    city_agency: Agency
    weihui: Agency  # 卫辉市社会保险中心 (county-level city)
    huixian: Agency  # 辉县市社会保险中心
    hongqi: Agency  # 红旗区社会保险中心 (district, vertically managed in the demo)
    weihui_bureau: Agency
    huixian_bureau: Agency


def _county(city: City, name: str, kind: str, code: str) -> tuple[Agency, Agency]:
    division = Division.objects.create(city=city, name=name, kind=kind, code=code)
    bureau = Agency.objects.create(
        city=city, division=division, kind=Agency.Kind.COUNTY_BUREAU, name=f"{name}人力资源和社会保障局"
    )
    agency = Agency.objects.create(
        city=city,
        division=division,
        kind=Agency.Kind.COUNTY_AGENCY,
        name=f"{name}社会保险中心",
        short_name=f"{name}社保中心",
    )
    return bureau, agency


@pytest.fixture
def org(db) -> Org:
    city = City.objects.create(name="新乡市", code="410700")
    city_bureau = Agency.objects.create(city=city, kind=Agency.Kind.CITY_BUREAU, name="新乡市人力资源和社会保障局")
    city_agency = Agency.objects.create(city=city, kind=Agency.Kind.CITY_AGENCY, name="新乡市社会保险中心")
    weihui_bureau, weihui = _county(city, "卫辉市", Division.Kind.COUNTY_CITY, "410781")
    huixian_bureau, huixian = _county(city, "辉县市", Division.Kind.COUNTY_CITY, "410782")
    _, hongqi = _county(city, "红旗区", Division.Kind.DISTRICT, "410702")
    return Org(city, city_bureau, city_agency, weihui, huixian, hongqi, weihui_bureau, huixian_bureau)


@pytest.fixture
def admin_user(org):
    user = make_user("admin", [Role.SYSTEM_ADMIN], org.city_bureau)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def assessor(org):
    return make_user("assessor", [Role.CITY_ASSESSOR], org.city_bureau)


@pytest.fixture
def team_member(org):
    return make_user("team_a", [Role.ASSESSMENT_TEAM], org.city_bureau)


@pytest.fixture
def inspector(org):
    return make_user("inspector", [Role.INSPECTOR], org.city_bureau)


@pytest.fixture
def handler(org):
    return make_user("handler", [Role.COMPLAINT_HANDLER], org.city_bureau)


@pytest.fixture
def leader(org):
    return make_user("leader", [Role.CITY_AGENCY_LEADER], org.city_agency, Person.Position.MAIN_LEADER)


@pytest.fixture
def office(org):
    return make_user("office", [Role.CITY_AGENCY_OFFICE], org.city_agency, Person.Position.OFFICE)


@pytest.fixture
def personnel(org):
    return make_user("personnel", [Role.CITY_AGENCY_OFFICE], org.city_agency, Person.Position.PERSONNEL)


@pytest.fixture
def head_weihui(org):
    return make_user("head_weihui", [Role.COUNTY_HEAD], org.weihui, Person.Position.HEAD)


@pytest.fixture
def head_huixian(org):
    return make_user("head_huixian", [Role.COUNTY_HEAD], org.huixian, Person.Position.HEAD)


@pytest.fixture
def staff_weihui(org):
    return make_user("staff_weihui", [Role.COUNTY_STAFF], org.weihui, Person.Position.STAFF)


@pytest.fixture
def supervisor_user(org):
    return make_user("supervisor", [Role.SUPERVISOR], None)


@pytest.fixture
def outsider(org):
    """Signed in, but with no role and no unit: sees nothing."""
    return make_user("outsider", [], None)


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[object]:
    """A real Celery worker on the Redis broker, in a thread; it sees committed data only."""
    from supervision.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING") as worker:
        yield worker
    connections.close_all()


def _runs_in_transactions(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server", "celery_worker"} & set(fixtures)
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that commit (and so flush every table afterwards) run after all the others.

    pytest-django sorts them last, but pytest-playwright's browser parametrization reorders items
    after it; without this, a browser test in the middle empties the rows that data migrations seed
    (role groups, checklists, leave kinds) for the tests that follow.
    The tests reading one set of shared data (tests/shared_data.py) run one after the other.
    """
    from tests.shared_data import shared_data_of  # a plugin of this conftest: imported by pytest first

    items.sort(key=lambda item: (_runs_in_transactions(item), "/e2e/" in str(item.fspath), shared_data_of(item)))
