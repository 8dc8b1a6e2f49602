"""Importing an attendance machine's sign-in records (考勤机记录导入), two steps like the score import.

`preview(agency, upload, acting_user=)` stores the file and what it would do: the sign-ins it would
create, the rows already present (a sign-in of that person and day exists, or an earlier punch of
the same day is in the file) and every row's errors. Nothing is signed in.

`apply(attendance_import, acting_user=)` reads the stored file again and writes, all or nothing:
any row error — or a concurrent browser sign-in colliding with the file — writes no sign-in. Every
created sign-in has its history row (bulk, with the file's name as the reason). `request_apply`
does it in the request for small files and hands bigger ones (`ATTENDANCE_IMPORT_SYNC_ROWS`) to a
Celery task; the preview page shows the status.

Queries: a fixed number per import (the people, the existing sign-ins of the period) plus two per
`BATCH_SIZE` sign-ins written (the rows and their history rows).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from supervision.imports import BadFile, Table, extension_of, is_blank, parse_date, parse_datetime, parse_time
from supervision.imports import read_table as read_upload_table
from supervision.imports import text as cell_text
from supervision.models import Agency, AttendanceImport, Person, SignIn
from supervision.permissions import Action, can
from supervision.workflow import TransitionNotAllowed

logger = logging.getLogger(__name__)

COL_NAME = "姓名"
COL_DATE = "日期"
COL_TIME = "时间"
DATETIME_COLUMNS = ("签到时间", "打卡时间", "考勤时间", "日期时间")
BATCH_SIZE = 1000
EARLIEST = datetime.date(2000, 1, 1)  # before any attendance machine of these agencies
PREVIEW_ROWS = 200  # rows of each kind shown on the preview page; the counts cover all of them


@dataclass
class Plan:
    """What a file would do: sign-ins to create, rows already present, row errors."""

    total: int = 0
    create: list[SignIn] = field(default_factory=list)
    create_rows: list[dict[str, Any]] = field(default_factory=list)
    present_rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    errors: list[dict[str, Any]]
    queued: bool = False


def may_import(user: Any, agency: Agency | int) -> bool:
    """Those who oversee the agency's attendance (its head, the city agency's office and leader)."""
    return can(user, Action.OVERSEE_ATTENDANCE, agency)


# Reading the file.


def read_table(content: bytes, name: str) -> Table:
    table = read_upload_table(content, name, required=(COL_NAME,))
    has_datetime = any(column in table.headers for column in DATETIME_COLUMNS)
    if not has_datetime and not (COL_DATE in table.headers and COL_TIME in table.headers):
        raise BadFile(_("缺少列：需要“签到时间”（如 2026-11-02 08:05），或“日期”和“时间”两列。"))
    return table


def _when(row: dict[str, Any]) -> tuple[datetime.date, datetime.time]:
    for column in DATETIME_COLUMNS:
        if column in row:
            value = row[column]
            if not cell_text(value):
                raise ValueError(_("签到时间为空。"))
            try:
                return parse_datetime(value)
            except ValueError:
                raise ValueError(
                    _("签到时间“%(value)s”无法识别，应为 2026-11-02 08:05 这样的格式。") % {"value": _short(value)}
                ) from None
    try:
        day = parse_date(row.get(COL_DATE))
    except ValueError:
        raise ValueError(
            _("日期“%(value)s”无法识别，应为 2026-11-02 这样的格式。") % {"value": _short(row.get(COL_DATE))}
        ) from None
    try:
        clock = parse_time(row.get(COL_TIME))
    except ValueError:
        raise ValueError(
            _("时间“%(value)s”无法识别，应为 08:05 这样的格式。") % {"value": _short(row.get(COL_TIME))}
        ) from None
    return day, clock


def _short(value: Any) -> str:
    shown = cell_text(value)
    return shown if len(shown) <= 40 else shown[:40] + "…"


# Planning: one pass over the rows, two queries.


def plan(agency: Agency, table: Table, *, now: datetime.datetime | None = None) -> Plan:
    now = now or timezone.now()
    people: dict[str, list[Person]] = {}
    for person in Person.objects.filter(agency=agency).only("pk", "name", "agency_id"):
        people.setdefault(person.name.strip(), []).append(person)
    result = Plan()
    earliest: dict[tuple[int, datetime.date], tuple[datetime.datetime, int, Person]] = {}
    later: list[tuple[int, Person, datetime.datetime, int]] = []  # (row, person, moment, earlier row)
    for index, values in enumerate(table.rows):
        number = index + 2  # the header is the sheet's first row
        if is_blank(values):
            continue
        result.total += 1
        row = dict(zip(table.headers, values, strict=False))
        name = cell_text(row.get(COL_NAME))
        try:
            person = _person(people, name)
            day, clock = _when(row)
            moment = timezone.make_aware(datetime.datetime.combine(day, clock))
            if day < EARLIEST:
                raise ValueError(_("签到日期%(day)s过早，请核对。") % {"day": day.isoformat()})
            if moment > now + datetime.timedelta(minutes=5):
                raise ValueError(_("签到时间%(when)s晚于现在。") % {"when": f"{day:%Y-%m-%d} {clock:%H:%M}"})
        except ValueError as error:
            result.errors.append({"row": number, "values": _short(name), "messages": [str(error)]})
            continue
        key = (person.pk, day)
        seen = earliest.get(key)
        if seen is None or moment < seen[0]:
            if seen is not None:
                later.append((seen[1], seen[2], seen[0], number))
            earliest[key] = (moment, number, person)
        else:
            later.append((number, person, moment, seen[1]))
    for number, person, moment, first in later:
        result.present_rows.append(
            _row(
                number,
                person,
                moment,
                _("同一天已有更早的打卡记录（第%(row)s行），以最早一次为签到。") % {"row": first},
            )
        )
    existing = _existing(earliest.keys())
    for (person_id, day), (moment, number, person) in sorted(earliest.items(), key=lambda item: item[1][1]):
        stored = existing.get((person_id, day))
        if stored is not None:
            when = f"{timezone.localtime(stored):%H:%M}"
            result.present_rows.append(
                _row(number, person, moment, _("当天已有签到记录（%(time)s）。") % {"time": when})
            )
            continue
        result.create.append(SignIn(person_id=person_id, agency_id=agency.pk, date=day, signed_at=moment))
        result.create_rows.append(_row(number, person, moment, ""))
    result.present_rows.sort(key=lambda r: r["row"])
    result.errors.sort(key=lambda e: e["row"])
    return result


def _person(people: dict[str, list[Person]], name: str) -> Person:
    if not name:
        raise ValueError(_("姓名为空。"))
    matches = people.get(name, [])
    if not matches:
        raise ValueError(_("本单位没有名为“%(name)s”的人员。") % {"name": _short(name)})
    if len(matches) > 1:
        raise ValueError(
            _("本单位有%(count)s名人员名为“%(name)s”，无法区分，请在系统中核实。")
            % {
                "count": len(matches),
                "name": name,
            }
        )
    return matches[0]


def _existing(keys: Iterable[tuple[int, datetime.date]]) -> dict[tuple[int, datetime.date], datetime.datetime]:
    keys = list(keys)
    if not keys:
        return {}
    person_ids = {person_id for person_id, _day in keys}
    days = [day for _person_id, day in keys]
    stored = SignIn.objects.filter(person_id__in=person_ids, date__gte=min(days), date__lte=max(days))
    return {(pid, day): signed for pid, day, signed in stored.values_list("person_id", "date", "signed_at")}


def _row(number: int, person: Person, moment: datetime.datetime, note: str) -> dict[str, Any]:
    local = timezone.localtime(moment)
    return {"row": number, "name": person.name, "date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M:%S}", "note": note}


# Step 1: preview.


@transaction.atomic
def preview(agency: Agency, upload: UploadedFile, *, acting_user: Any) -> AttendanceImport:
    """Store the upload and what it would do; no sign-in is written."""
    if not may_import(acting_user, agency):
        raise PermissionDenied
    upload.seek(0)
    content = upload.read()
    name = (upload.name or "attendance").rsplit("/", 1)[-1][:200]
    record = AttendanceImport(
        agency=agency, original_name=name, sha256=hashlib.sha256(content).hexdigest(), uploaded_by=acting_user
    )
    record.file.save(f"attendance{extension_of(name)}", io.BytesIO(content), save=False)
    try:
        result = plan(agency, read_table(content, name))
    except BadFile as bad:
        record.status = AttendanceImport.Status.REFUSED
        record.errors = [{"row": None, "values": "", "messages": [bad.message]}]
        _by(record, acting_user, _("上传预览：文件被拒绝"))
        record.save()
        return record
    record.total_rows = result.total
    record.new_count = len(result.create)
    record.present_count = len(result.present_rows)
    record.errors = result.errors
    record.preview = {"create": result.create_rows[:PREVIEW_ROWS], "present": result.present_rows[:PREVIEW_ROWS]}
    record.status = AttendanceImport.Status.REFUSED if result.errors else AttendanceImport.Status.PREVIEWED
    _by(record, acting_user, _("上传预览"))
    record.save()
    return record


def _by(record: Any, user: Any, reason: str) -> None:
    if getattr(user, "is_authenticated", False):
        record._history_user = user
    record._change_reason = reason[:100]


# Step 2: apply.


def _locked(record: AttendanceImport) -> AttendanceImport:
    return AttendanceImport.objects.select_for_update(of=("self",)).select_related("agency").get(pk=record.pk)


def _check_may_apply(record: AttendanceImport, acting_user: Any, allowed: tuple[str, ...]) -> None:
    if record.uploaded_by_id != getattr(acting_user, "pk", None) or not may_import(acting_user, record.agency_id):
        raise PermissionDenied
    if record.status not in allowed:
        raise TransitionNotAllowed(_("该文件已处理，不能再次导入。"))


@transaction.atomic
def apply(record: AttendanceImport, *, acting_user: Any) -> ImportOutcome:
    """Write the file's new sign-ins with their history, all or nothing, whatever its size."""
    record = _locked(record)
    _check_may_apply(record, acting_user, (AttendanceImport.Status.PREVIEWED, AttendanceImport.Status.QUEUED))
    try:
        result = plan(record.agency, read_table(record.file.open("rb").read(), record.original_name))
    except BadFile as bad:
        return _refuse(record, acting_user, [{"row": None, "values": "", "messages": [bad.message]}])
    if result.errors:
        return _refuse(record, acting_user, result.errors)
    for sign_in in result.create:
        sign_in.imported_from = record
    reason = (_("考勤机记录导入：%(name)s") % {"name": record.original_name})[:100]
    try:
        with transaction.atomic():
            bulk_create_with_history(
                result.create, SignIn, batch_size=BATCH_SIZE, default_user=acting_user, default_change_reason=reason
            )
    except IntegrityError:  # someone signed in in the browser meanwhile, for a day of the file
        message = _("导入时有人员同时签到，与文件中的记录冲突，未写入任何记录。请重新上传预览。")
        return _refuse(record, acting_user, [{"row": None, "values": "", "messages": [message]}])
    record.status = AttendanceImport.Status.APPLIED
    record.applied_at = timezone.now()
    record.created_count = len(result.create)
    record.present_count = len(result.present_rows)
    _by(record, acting_user, _("确认导入"))
    record.save()
    return ImportOutcome(len(result.create), [])


def _refuse(record: AttendanceImport, acting_user: Any, errors: list[dict[str, Any]]) -> ImportOutcome:
    record.status = AttendanceImport.Status.REFUSED
    record.errors = errors
    _by(record, acting_user, _("导入失败，未写入"))
    record.save()
    return ImportOutcome(0, errors)


def request_apply(record: AttendanceImport, *, acting_user: Any) -> ImportOutcome:
    """Apply now, or — over `ATTENDANCE_IMPORT_SYNC_ROWS` new sign-ins — queue it for a worker."""
    if record.new_count <= settings.ATTENDANCE_IMPORT_SYNC_ROWS:
        return apply(record, acting_user=acting_user)
    with transaction.atomic():
        locked = _locked(record)
        _check_may_apply(locked, acting_user, (AttendanceImport.Status.PREVIEWED,))
        locked.status = AttendanceImport.Status.QUEUED
        _by(locked, acting_user, _("确认导入，交后台处理"))
        locked.save()
    from supervision.tasks import apply_attendance_import_task

    try:
        apply_attendance_import_task.delay(record.pk)
    except Exception:
        logger.warning("could not queue attendance import %s", record.pk, exc_info=True)
        with transaction.atomic():
            locked = _locked(record)
            locked.status = AttendanceImport.Status.PREVIEWED
            _by(locked, acting_user, _("后台任务队列不可用，退回待确认"))
            locked.save()
        raise TransitionNotAllowed(_("后台任务队列暂时不可用，没有写入任何记录。请稍后再点“确认导入”。")) from None
    return ImportOutcome(0, [], queued=True)


def apply_queued(import_id: int) -> ImportOutcome | None:
    """The Celery task's body: apply a queued import as its uploader; a redelivered task does nothing twice."""
    record = AttendanceImport.objects.select_related("uploaded_by").filter(pk=import_id).first()
    if record is None or record.status != AttendanceImport.Status.QUEUED:
        return None
    try:
        return apply(record, acting_user=record.uploaded_by)
    except (PermissionDenied, TransitionNotAllowed):
        message = _("上传人已无权导入该单位的考勤，未写入任何记录。")
    except Exception:
        # apply's transaction is rolled back; without this the page would say "importing" forever.
        logger.exception("attendance import %s failed", import_id)
        message = _("后台导入出错，未写入任何记录。请重新上传预览，或联系系统管理员。")
    with transaction.atomic():
        locked = _locked(record)
        if locked.status != AttendanceImport.Status.QUEUED:
            return None
        return _refuse(locked, None, [{"row": None, "values": "", "messages": [message]}])


@transaction.atomic
def cancel(record: AttendanceImport, *, acting_user: Any) -> None:
    record = _locked(record)
    if record.uploaded_by_id != getattr(acting_user, "pk", None):
        raise PermissionDenied
    if record.status == AttendanceImport.Status.PREVIEWED:
        record.status = AttendanceImport.Status.CANCELLED
        _by(record, acting_user, _("取消导入"))
        record.save()
