"""The authorization matrix, walked with real objects: every URL name × anonymous, the ten roles and a
county-A head acting on county B's records → the exact status (see `tests/security/matrix.py`).

The world (`tests/security/world.py`) is built once for the run (`matrix_world`, shared with the other
modules that read it) inside a transaction that is rolled back at the end; every cell runs in its own
savepoint, rolled back after the request, so each role meets the same records in the same state and a
permitted POST really changes something.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.contrib import messages as django_messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook
from simple_history.admin import SimpleHistoryAdmin

from tests.security.matrix import ACTORS, LEAK_CHECKED, LOGIN, ROLE_OF, ROWS, SECRET, Row
from tests.security.world import World, signed_in_clients
from tests.shared_data import rolled_back

# The world's leave and deadlines reach some working days ahead, possibly into a year whose holiday
# schedule is not loaded yet: the estimate is fine for the matrix.
pytestmark = pytest.mark.filterwarnings("ignore::supervision.workdays.ScheduleUnknown")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_TYPES = ("text/html", "application/json", "text/csv", "text/plain")


# ---------------------------------------------------------------------------------------------
# The URL names of the project


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    """Every named URL pattern, namespaced as `reverse` wants it (`findings:detail`)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


ADMIN_NAMES = sorted({name for name, _pattern in url_names() if name.startswith("admin:")})


# ---------------------------------------------------------------------------------------------
# The world and one signed-in client per role


@pytest.fixture(scope="module")
def world(matrix_world: World, django_db_blocker) -> Iterator[tuple[World, dict[str, Client]]]:
    with rolled_back(django_db_blocker):
        clients = signed_in_clients(matrix_world.users, raise_request_exception=False)
        clients["anon"] = Client(raise_request_exception=False)
        clients["head_x"] = clients["head"]
        yield matrix_world, clients


# ---------------------------------------------------------------------------------------------
# Running one cell


def cross_filters(built: World) -> dict[str, Any]:
    """A county-A head asking a list or an export for county B's records by its filters."""
    return {"agency": built.b.agency.pk, "unit": built.b.agency.pk, "view": "all"}


def content_of(response: Any) -> bytes:
    """The body; a streamed one is read to the end, which also closes it (never call `close()`
    on a test client's response yourself: that ends the request and with it the database connection)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def body_text(response: Any, raw: bytes) -> str:
    """What a person would read in the response: pages, JSON, CSV and spreadsheets (not PDFs)."""
    content_type = response.get("Content-Type", "").split(";")[0]
    if content_type == XLSX:
        workbook = load_workbook(io.BytesIO(raw), read_only=True)
        cells = [str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row]
        return "\n".join(value for value in cells if value != "None")
    if content_type in TEXT_TYPES:
        text = raw.decode("utf-8", errors="replace")
        if content_type == "text/csv":
            return "\n".join(",".join(row) for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        return text
    return ""


def refusals(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request) if message.level >= django_messages.WARNING]


def request(client: Client, row: Row, url: str, data: dict[str, Any], htmx: bool) -> Any:
    headers = dict(row.headers or {})
    if htmx:
        headers["HX-Request"] = "true"
    if row.method == "GET":
        return client.get(url, data or None, headers=headers)
    return client.post(url, data, headers=headers)


def run_cell(row: Row, actor: str, built: World, clients: dict[str, Client]) -> list[str]:
    """Make the request as `actor` and say what is wrong with the answer (nothing: an empty list)."""
    side = built.b if (actor == "head_x" and row.cross) else built.a
    client = clients[actor]
    expected = row.expect[actor]
    saved = copy.deepcopy(client.cookies)
    problems: list[str] = []
    try:
        with transaction.atomic():
            if row.prepare is not None:
                row.prepare(built, side, client)
            kwargs = row.args(built, side) if row.args else None
            url = reverse(row.name, kwargs=kwargs)
            data_side = built.b if (actor == "head_x" and row.cross_data) else side
            data = row.data(built, data_side) if row.data else {}
            if row.query:
                data = {**row.query, **data}
            if actor == "head_x" and not row.cross and row.method == "GET":
                data = {**data, **cross_filters(built)}
            response = request(client, row, url, data, row.htmx)
            raw = content_of(response)
            problems += _check(row, actor, expected, response)
            if actor in LEAK_CHECKED and response.status_code == 200 and SECRET in body_text(response, raw):
                problems.append(f"shows county B's data ({SECRET!r} in the {response.get('Content-Type')})")
            if actor == "head_x" and row.cross and expected in (403, 404) and not row.htmx:
                again = request(client, row, url, data, htmx=True)
                content_of(again)
                if again.status_code != expected:
                    problems.append(f"as htmx: {again.status_code} instead of {expected}")
            transaction.set_rollback(True)
    finally:
        client.cookies = saved
    return [f"{actor:>10} {url if 'url' in locals() else row.name}: {problem}" for problem in problems]


def _check(row: Row, actor: str, expected: int | str, response: Any) -> list[str]:
    status = response.status_code
    if expected == LOGIN:
        location = response.get("Location", "")
        if status != 302 or not location.startswith(reverse("login")):
            return [f"{status} {location} instead of a redirect to sign in"]
        return []
    if status != expected:
        return [f"{status} instead of {expected}"]
    if status in (200, 302):
        said = refusals(response)
        refused = actor in row.refused.split() or (actor == "head_x" and "head_x" in row.refused)
        if refused and not said:
            return ["no message says why it was refused"]
        if not refused and said:
            return [f"refused: {' '.join(said)}"]
    return []


# ---------------------------------------------------------------------------------------------
# The tests


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.label for row in ROWS])
def test_authorization_matrix(world, row: Row) -> None:
    built, clients = world
    problems = [problem for actor in ACTORS for problem in run_cell(row, actor, built, clients)]
    assert not problems, f"{row.label}:\n" + "\n".join(problems)


def test_every_url_name_has_a_row() -> None:
    """A new URL without a row in the matrix fails here (the admin site is covered by its own rule)."""
    covered = {row.name for row in ROWS} | set(ADMIN_NAMES)
    missing = sorted({name for name, _pattern in url_names()} - covered)
    assert not missing, "URL names without a row in tests/security/matrix.py: " + ", ".join(missing)


def test_every_row_names_a_url_and_every_role_has_a_column() -> None:
    names = {name for name, _pattern in url_names()}
    unknown = sorted({row.name for row in ROWS} - names)
    assert not unknown, f"rows for URL names that no longer exist: {unknown}"
    from supervision.permissions import Role

    assert set(ROLE_OF.values()) == set(Role.values), "every one of the ten roles is an actor of the matrix"
    for row in ROWS:
        assert set(row.expect) == set(ACTORS), row.label


# ---------------------------------------------------------------------------------------------
# The admin site, by rule: system administrators only; everyone else is sent to sign in


def _admin_target(name: str, pattern: URLPattern, built: World) -> tuple[dict[str, Any], int]:
    """The URL's arguments with real objects, and what a system administrator gets there.

    Everyone else, anonymous included, is sent to the admin site's own sign-in page, where a signed-in
    user without the right is told so.
    """
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from supervision.models import Finding

    short = name.removeprefix("admin:")
    admin_user = built.users["admin"]
    fixed: dict[str, tuple[dict[str, Any], int]] = {
        "index": ({}, 200),
        "login": ({}, 302),
        "logout": ({}, 405),
        "password_change": ({}, 200),
        "password_change_done": ({}, 200),
        "jsi18n": ({}, 200),
        "autocomplete": ({}, 403),
        "app_list": ({"app_label": "supervision"}, 200),
        # No model has get_absolute_url, so there is no "view on site" to go to.
        "view_on_site": (
            {"content_type_id": ContentType.objects.get_for_model(Finding).pk, "object_id": built.a.finding.pk},
            404,
        ),
        "otp_totp_totpdevice_config": ({"pk": TOTPDevice.objects.get(user=admin_user).pk}, 200),
        "otp_totp_totpdevice_qrcode": ({"pk": TOTPDevice.objects.get(user=admin_user).pk}, 200),
        "auth_user_password_change": ({"id": built.users["head"].pk}, 200),
        "supervision_agency_permissions": ({"object_pk": built.a.agency.pk}, 200),
        "supervision_agency_permissions_manage_user": (
            {"object_pk": built.a.agency.pk, "user_id": built.users["head"].pk},
            200,
        ),
        "supervision_agency_permissions_manage_group": (
            {"object_pk": built.a.agency.pk, "group_id": Group.objects.get(name="county_head").pk},
            200,
        ),
    }
    if short in fixed:
        return fixed[short]
    model, model_admin, action = next(
        (model, model_admin, short.removeprefix(f"{model._meta.app_label}_{model._meta.model_name}_"))
        for model, model_admin in django_admin.site._registry.items()
        if short.startswith(f"{model._meta.app_label}_{model._meta.model_name}_")
    )
    assert action in ("changelist", "add", "change", "delete", "history", "simple_history"), f"no rule for {name}"
    fake = RequestFactory().get("/")
    fake.user = admin_user
    if action == "changelist":
        return {}, 200 if model_admin.has_view_or_change_permission(fake) else 403
    if action == "add":
        return {}, 200 if model_admin.has_add_permission(fake) else 403
    instance = model._default_manager.order_by("pk").first()
    versioned = isinstance(model_admin, SimpleHistoryAdmin)
    if action == "simple_history":  # one past version of a record: positional arguments
        record = instance.history.order_by("history_id").first() if instance else None
        if record is None:  # rows written by migrations have no history
            return {"args": [str(instance.pk) if instance else "0", "0"]}, 404
        return {"args": [str(instance.pk), str(record.history_id)]}, 200
    if instance is None:  # configuration nobody has set up yet: the admin says so
        missing = {
            "change": 302,
            "history": 404 if versioned else 302,
            "delete": 302 if model_admin.has_delete_permission(fake) else 403,
        }
        return {"object_id": "0"}, missing[action]
    allowed = {
        "change": model_admin.has_view_or_change_permission(fake, instance),
        "history": model_admin.has_view_or_change_permission(fake, instance),
        "delete": model_admin.has_delete_permission(fake, instance),
    }[action]
    return {"object_id": str(instance.pk)}, 200 if allowed else 403


# Whether the admin site lets a user in depends on nothing but the user (AdminSite.has_permission: an
# active staff system administrator), never on the page: so every admin page is checked with the
# anonymous visitor, the system administrator and two of the other roles in turn (every role meets
# about a fifth of the admin pages), and the admin index with every role.
OTHER_ROLES = [actor for actor in ACTORS if actor not in ("anon", "admin", "head_x")]


def admin_actors(name: str) -> list[str]:
    if name == "admin:index":
        return list(ACTORS)
    index = ADMIN_NAMES.index(name)
    return ["anon", "admin", OTHER_ROLES[index % len(OTHER_ROLES)], OTHER_ROLES[(index + 4) % len(OTHER_ROLES)]]


def _admin_expectation(name: str, actor: str, admin_status: int) -> tuple[Callable[[int, str], bool], str]:
    admin_login = reverse("admin:login")
    if actor == "admin":
        return (lambda status, location: status == admin_status), str(admin_status)
    if name == "admin:login":
        return (lambda status, location: status == 200), "200 (the admin sign-in form)"
    if actor == "anon":
        # The site-wide sign-in for the model pages, the admin's own for the pages of the site itself.
        signs_in = (reverse("login"), admin_login)
        return (lambda status, location: status == 302 and location.startswith(signs_in)), "a redirect to sign in"
    if name == "admin:logout":
        index = reverse("admin:index")
        return (lambda status, location: status == 302 and location == index), "a redirect to the admin index"
    return (
        lambda status, location: status == 302 and location.startswith(admin_login)
    ), "a redirect to the admin sign-in"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_NAMES)
def test_admin_site_is_for_system_administrators_only(world, name: str) -> None:
    built, clients = world
    pattern = dict(url_names())[name]
    kwargs, admin_status = _admin_target(name, pattern, built)
    positional = kwargs.pop("args", None)
    url = reverse(name, args=positional, kwargs=kwargs or None)
    problems = []
    for actor in admin_actors(name):
        client = clients[actor]
        saved = copy.deepcopy(client.cookies)
        try:
            with transaction.atomic():
                response = client.get(url)
                content_of(response)
                transaction.set_rollback(True)
        finally:
            client.cookies = saved
        status, location = response.status_code, response.get("Location", "")
        ok, wanted = _admin_expectation(name, actor, admin_status)
        if not ok(status, location):
            problems.append(f"{actor:>10} {url}: {status} {location} instead of {wanted}")
    assert not problems, "\n".join(problems)
