"""Nothing lost: every write path to an audited model leaves history rows (issue 10, item 2).

Write paths, each run on the matrix world (`tests/security/world.py`, built once for the run, every
case in a savepoint rolled back afterwards) and checked with `tests.reliability.audit.AuditSnapshot`:
every audited row added, changed or removed must have a new history row, and a path that says it did
something must have written at least one.

- the forms and actions: every POST row of the authorization matrix, as the first role it lets through
  (an import's upload, apply and cancel are matrix rows too, so an import added later — the attendance
  import — is covered the moment its URL gets a row; a bulk import has its own case below);
- the admin site: every model admin of a model with history, its change form posted back as a system
  administrator would, and its add form where the admin allows adding;
- the beat tasks and sweeps, with work to do.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.admin_forms import form_values
from tests.reliability.audit import CONFIGURATION, AuditSnapshot, audited_models
from tests.security.matrix import ACTORS, ROWS, Row
from tests.security.test_authorization_matrix import content_of, refusals, request
from tests.security.world import World, signed_in_clients
from tests.shared_data import rolled_back

pytestmark = pytest.mark.filterwarnings("ignore::supervision.workdays.ScheduleUnknown")

# POST rows that succeed without writing an audited record, and why that is right.
NO_AUDITED_WRITE = {
    "POST logout": "signing out writes the session only",
    "POST set_language": "a cookie",
    "POST notifications:open": "a notification's read mark is not an audited record",
    "POST notifications:read_all": "same",
    "POST complaints:track": "looking a complaint up by its code writes the session only",
    "POST complaints:track_rate [not tracked]": "nothing tracked yet: sent back to the tracking form",
    "POST assessment:report_generate": "report runs and reports are generated artefacts, versioned by their keys",
    "POST complaints:note": "an investigation note is an append-only event (ComplaintEvent), never changed",
}


def _new_county(built: World, side: Any, client: Client) -> None:
    """A county agency set up after the year opened, so that adding the missing agencies has work to do."""
    from supervision.models import Agency, Division

    division = Division.objects.create(city=built.city, name="新乡县", kind=Division.Kind.COUNTY, code="410721")
    Agency.objects.create(city=built.city, division=division, kind=Agency.Kind.COUNTY_AGENCY, name="新乡县社会保险中心")


# Rows whose world has nothing for the path to do: what to set up first (inside the case's savepoint).
PREPARE = {"POST assessment:year_add_agencies": _new_county}


@pytest.fixture(scope="module")
def world(matrix_world: World, django_db_blocker) -> Iterator[tuple[World, dict[str, Client]]]:
    with rolled_back(django_db_blocker):
        clients = signed_in_clients(matrix_world.users, raise_request_exception=False)
        clients["anon"] = Client(raise_request_exception=False)
        yield matrix_world, clients


# ---------------------------------------------------------------------------------------------
# Forms and actions: the matrix's POST rows


def acting_role(row: Row) -> str:
    """The role a person doing this would have: the first that the row lets through (admin last)."""
    allowed = [
        actor
        for actor in ACTORS
        if row.expect[actor] in (200, 302) and actor not in row.refused.split() and actor != "head_x"
    ]
    others = [actor for actor in allowed if actor != "admin"]
    return (others or allowed)[0]


POST_ROWS = [row for row in ROWS if row.method == "POST" and any(s in (200, 302) for s in row.expect.values())]


@pytest.mark.django_db
@pytest.mark.parametrize("row", POST_ROWS, ids=[row.label for row in POST_ROWS])
def test_every_form_and_action_leaves_history(world, row: Row) -> None:
    built, clients = world
    actor = acting_role(row)
    client = clients[actor]
    saved = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            for prepare in (row.prepare, PREPARE.get(row.label)):
                if prepare is not None:
                    prepare(built, built.a, client)
            url = reverse(row.name, kwargs=row.args(built, built.a) if row.args else None)
            data = {**(row.query or {}), **(row.data(built, built.a) if row.data else {})}
            before = AuditSnapshot.take()
            response = request(client, row, url, data, row.htmx)
            content_of(response)
            assert response.status_code == row.expect[actor], f"{actor} {url}: {response.status_code}"
            assert not refusals(response), f"{actor} {url}: refused: {refusals(response)}"
            changes = before.changes()
            transaction.set_rollback(True)
    finally:
        client.cookies = saved
    assert not changes.without_history, f"{row.label} as {actor} wrote without history: {changes.describe_missing()}"
    deleted = {label: pks for label, pks in changes.removed.items() if label not in CONFIGURATION}
    assert not deleted, f"{row.label} as {actor} hard-deleted business records: {deleted}"
    if row.label in NO_AUDITED_WRITE:
        assert changes.nothing_written, f"{row.label} now writes {sorted(changes.written)}: take it off the list"
    else:
        assert changes.history_rows > 0, f"{row.label} as {actor} succeeded and left no history row"


def test_the_exemptions_name_real_rows() -> None:
    labels = {row.label for row in POST_ROWS}
    assert set(NO_AUDITED_WRITE) <= labels, sorted(set(NO_AUDITED_WRITE) - labels)


# ---------------------------------------------------------------------------------------------
# Imports in bulk: each import applied to many rows at once. An import is a function of the world that
# applies one file and says which model it wrote and how many rows; a new import adds its case here.


def _score_import(built: World) -> tuple[str, int]:
    from assessment import resources
    from assessment.models import Score

    assessor = built.users["assessor"]
    preview = resources.import_preview(built.year, _whole_year_sheet(built), acting_user=assessor)
    assert preview.status == preview.Status.PREVIEWED, preview.errors
    outcome = resources.import_apply(preview, acting_user=assessor)
    assert not outcome.errors, outcome.errors
    assert outcome.applied >= 2 * Score.objects.filter(assessment=built.a.assessment, item__track="basic").count()
    return "assessment.Score", outcome.applied


def _attendance_import(built: World) -> tuple[str, int]:
    """County A's attendance machine: its staff's sign-ins of the last weeks (not today's: signed in already)."""
    from supervision.actions import attendance_import
    from supervision.models import Person

    people = list(Person.objects.filter(agency=built.a.agency, is_active=True))
    rows = [
        [person.name, datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=days), datetime.time(8))]
        for days in range(1, 15)
        for person in people
    ]
    head = built.users["head"]
    record = attendance_import.preview(
        built.a.agency, _sheet(["姓名", "签到时间"], rows, "考勤机.xlsx"), acting_user=head
    )
    assert not record.errors, record.errors
    outcome = attendance_import.apply(record, acting_user=head)
    assert not outcome.errors and outcome.created >= len(rows) - len(people), outcome
    return "supervision.SignIn", outcome.created


def _sheet(headers: list[str], rows: list[list[Any]], name: str) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


BULK_IMPORTS = {"score sheet": _score_import, "attendance machine": _attendance_import}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BULK_IMPORTS))
def test_every_bulk_import_leaves_history_for_every_row(world, name) -> None:
    built, _clients = world
    with transaction.atomic():
        before = AuditSnapshot.take()
        label, rows = BULK_IMPORTS[name](built)
        changes = before.changes()
        transaction.set_rollback(True)
    assert len(changes.written.get(label, ())) == rows
    assert not changes.without_history, changes.describe_missing()


def _whole_year_sheet(built: World) -> Any:
    """Both counties' basic-track scores, two points lower: a sheet downloaded, edited and uploaded."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook, load_workbook

    client = Client()
    client.force_login(built.users["assessor"])
    response = client.get(reverse("assessment:import_template", kwargs={"year": built.year.year}))
    template = load_workbook(io.BytesIO(content_of(response))).active
    headers = [cell.value for cell in template[1]]
    points, track = headers.index("得分"), headers.index("考核类别")
    maximum, county = headers.index("分值"), headers.index("县（市、区）")
    ours = {built.a.agency.division.name, built.b.agency.division.name}  # not the delegated districts
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in template.iter_rows(min_row=2, values_only=True):
        if row[track] == "基础管理" and row[maximum] and row[county] in ours:
            values = list(row)
            values[points] = float(row[maximum]) - 2
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("评分.xlsx", buffer.getvalue())


# ---------------------------------------------------------------------------------------------
# The admin site


def _history_admins() -> list[tuple[Any, Any]]:
    audited = set(audited_models())
    registry = django_admin.site._registry.items()
    return sorted(((m, a) for m, a in registry if m in audited), key=lambda pair: pair[0]._meta.label)


HISTORY_ADMINS = _history_admins()


def _admin_request(built: World) -> Any:
    fake = RequestFactory().get("/")
    fake.user = built.users["admin"]
    return fake


def _instance(model: Any, built: World) -> Any:
    """A record to change: county A's where the world has one, else the oldest, else a new one."""
    for record in built.a.records.values():
        if isinstance(record, model):
            return record
    existing = model._default_manager.order_by("pk").first()
    if existing is None and model._meta.label in UNSAVED_SETTINGS:
        return UNSAVED_SETTINGS[model._meta.label](built)
    return existing


def _calendar_override(built: World) -> Any:
    from supervision.models import CalendarOverride

    day = timezone.localdate() + datetime.timedelta(days=400)
    return CalendarOverride.objects.create(city=built.city, date=day, is_working_day=True, reason="调休上班")


def _configuration() -> dict[str, Any]:
    """Settings nobody has saved in the world yet (the defaults apply): the system administrator's first save."""
    from supervision.models import AttendancePolicy, CalendarYear, OversightSettings

    return {
        "supervision.AttendancePolicy": lambda w: AttendancePolicy.objects.create(city=w.city),
        "supervision.OversightSettings": lambda w: OversightSettings.objects.create(city=w.city),
        "supervision.CalendarYear": lambda w: CalendarYear.objects.create(city=w.city, year=2031),
        "supervision.CalendarOverride": _calendar_override,
    }


UNSAVED_SETTINGS = _configuration()


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), HISTORY_ADMINS, ids=[m._meta.label for m, _a in HISTORY_ADMINS])
def test_every_admin_change_leaves_history(world, model, model_admin) -> None:
    built, clients = world
    client = clients["admin"]
    fake = _admin_request(built)
    info = (model._meta.app_label, model._meta.model_name)
    with transaction.atomic():
        instance = _instance(model, built)
        assert instance is not None, f"the world has no {model._meta.label}: add one to tests/security/world.py"
        change_url = reverse("admin:{}_{}_change".format(*info), args=[instance.pk])
        page = client.get(change_url)
        assert page.status_code == 200
        data = form_values(page.content.decode())
        before = AuditSnapshot.take()
        response = client.post(change_url, data)
        changes = before.changes()
        transaction.set_rollback(True)
    if not model_admin.has_change_permission(fake, instance):
        assert response.status_code == 403, f"a read-only admin accepted a change: {response.status_code}"
        assert changes.nothing_written
        return
    errors = _form_errors(response)
    assert response.status_code == 302, f"{change_url}: {response.status_code} {errors}"
    assert not changes.without_history, changes.describe_missing()
    assert str(instance.pk) in changes.recorded.get(model._meta.label, set()), "the record saved has no new history"


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), HISTORY_ADMINS, ids=[m._meta.label for m, _a in HISTORY_ADMINS])
def test_every_admin_addition_leaves_history(world, model, model_admin) -> None:
    """The add form, filled with an existing record's values: saved with history, or refused with the form's
    message and nothing written (a copy may break a unique rule) — never a server error."""
    built, clients = world
    client = clients["admin"]
    fake = _admin_request(built)
    info = (model._meta.app_label, model._meta.model_name)
    add_url = reverse("admin:{}_{}_add".format(*info))
    if not model_admin.has_add_permission(fake):
        assert client.get(add_url).status_code == 403
        return
    with transaction.atomic():
        instance = _instance(model, built)
        page = client.get(reverse("admin:{}_{}_change".format(*info), args=[instance.pk]))
        data = without_inlines(form_values(page.content.decode()))
        count = model._default_manager.count()
        before = AuditSnapshot.take()
        response = client.post(add_url, data)
        changes = before.changes()
        added = model._default_manager.count() - count
        transaction.set_rollback(True)
    assert response.status_code in (200, 302), f"{add_url}: {response.status_code}"
    if response.status_code == 200:
        assert _form_errors(response), "the add form came back without saying why"
        assert changes.nothing_written
        return
    assert added == 1
    assert not changes.without_history, changes.describe_missing()
    assert len(changes.recorded[model._meta.label]) == 1


def without_inlines(data: dict[str, Any]) -> dict[str, Any]:
    """The main form's fields only, every inline formset empty: a new record, not a copy of the old one's rows."""
    prefixes = {key.removesuffix("-TOTAL_FORMS") for key in data if key.endswith("-TOTAL_FORMS")}
    kept = {key: value for key, value in data.items() if not any(key.startswith(f"{p}-") for p in prefixes)}
    for prefix in prefixes:
        kept.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return kept


def _form_errors(response: Any) -> str:
    context = getattr(response, "context", None)
    if not context or "adminform" not in context:
        return ""
    errors = [str(context["adminform"].form.errors)]
    for formset in context.get("inline_admin_formsets", []):
        errors.append(str(formset.formset.errors) + str(formset.formset.non_form_errors()))
    return " ".join(error for error in errors if error and error != "[]")


# ---------------------------------------------------------------------------------------------
# The beat tasks and their sweeps, with work to do


def _later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _sweeps() -> list[tuple[str, Any, Any]]:
    """(name, the task, the sweep it calls with a day when there is work to do)."""
    from assessment import reports
    from assessment.tasks import generate_january_reports_task
    from complaints.actions import mark_overdue_complaints
    from complaints.tasks import mark_overdue_complaints_task
    from integrity.actions import remind_risk_reviews
    from integrity.tasks import remind_risk_reviews_task
    from supervision.actions.attendance import remind_unreturned
    from supervision.actions.findings import mark_overdue_findings
    from supervision.actions.oversight import semiannual_sweep
    from supervision.tasks import (
        mark_overdue_findings_task,
        remind_unreturned_leaves_task,
        retry_unsent_mail_task,
        semiannual_reports_sweep_task,
    )

    return [
        ("findings overdue", mark_overdue_findings_task, lambda w: mark_overdue_findings(_later(90))),
        ("complaints overdue", mark_overdue_complaints_task, lambda w: mark_overdue_complaints(_later(90))),
        ("semiannual sweep", semiannual_reports_sweep_task, lambda w: semiannual_sweep(_later(200))),
        ("leaves not returned", remind_unreturned_leaves_task, lambda w: remind_unreturned(_later(40))),
        ("risk reviews", remind_risk_reviews_task, lambda w: remind_risk_reviews(_later(60))),
        ("mail retry", retry_unsent_mail_task, lambda w: None),
        ("january reports", generate_january_reports_task, lambda w: reports.start_run(w.year_last)),
    ]


SWEEPS = _sweeps()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "task", "sweep"), SWEEPS, ids=[name for name, _t, _s in SWEEPS])
def test_every_beat_task_leaves_history(world, name, task, sweep) -> None:
    built, _clients = world
    with transaction.atomic():
        before = AuditSnapshot.take()
        task.apply()  # the beat's own call, today
        sweep(built)  # and with work to do
        changes = before.changes()
        transaction.set_rollback(True)
    assert not changes.without_history, f"{name}: {changes.describe_missing()}"


# Beat tasks that write no audited record, and why.
TASKS_WITHOUT_RECORDS = {
    "supervision.tasks.health_task": "reads the database, writes nothing",
    "assessment.tasks.queue_unqueued_report_runs_task": "sends waiting report runs to the broker (ReportRun.queued_at)",
}


def test_every_beat_task_is_exercised() -> None:
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - set(TASKS_WITHOUT_RECORDS)
    exercised = {task.name for _name, task, _sweep in SWEEPS}
    assert scheduled <= exercised, f"beat tasks without a history case: {sorted(scheduled - exercised)}"
