"""Reading uploaded spreadsheets (xlsx or csv) for the imports, safely: the one place that checks them.

Every import (scores, attendance-machine sign-ins) reads its upload through `read_table`, which
refuses, with a message a person can act on and before anything is written:

- a file that is too big, empty, or whose content is not what its extension says (`check_upload`,
  used by the upload forms);
- an xlsx whose zip declares more unpacked bytes than `IMPORT_MAX_UNPACKED_BYTES`, too many members,
  or a member that unpacks to more than `IMPORT_MAX_ZIP_RATIO` times its packed size — a zip bomb is
  refused from its central directory, before anything is decompressed (Python's zipfile never
  inflates past a member's declared size, and a member lying about it fails its CRC check);
- a csv that is neither UTF-8 nor GB18030 (Excel on Chinese Windows saves GBK), or holds NUL bytes;
- more than `IMPORT_MAX_ROWS` data rows, or a cell longer than `IMPORT_MAX_CELL_CHARS`.

Cells come back as the file holds them; formulas are never evaluated: an xlsx formula cell is read
as its text (`=cmd|' /C calc'!A0`) and is stored, if at all, as inert text (exports quote it again,
see `supervision.exports.safe_cell`).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from supervision.attachments import ZIP_READ_ERRORS

EXTENSIONS = (".xlsx", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
# Below this size a member's ratio does not matter: tiny files compress very well.
RATIO_FLOOR_BYTES = 1024 * 1024


class BadFile(Exception):
    """The whole file is refused; `message` says why, in words for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The header (stripped text) and the data rows; `rows[i]` is sheet row `i + 2`."""

    headers: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.headers, row, strict=False)) for row in self.rows]


def limits() -> dict[str, int]:
    return {
        "bytes": settings.IMPORT_MAX_BYTES,
        "rows": settings.IMPORT_MAX_ROWS,
        "cell": settings.IMPORT_MAX_CELL_CHARS,
        "unpacked": settings.IMPORT_MAX_UNPACKED_BYTES,
        "ratio": settings.IMPORT_MAX_ZIP_RATIO,
    }


def text(value: Any) -> str:
    """A cell as text: None is empty, 3.0 is "3", everything stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank(values: Sequence[Any]) -> bool:
    return not any(text(value) for value in values)


def extension_of(name: str | None) -> str:
    return PurePosixPath(name or "").suffix.lower()


# The upload form: size, extension, content.


def check_upload(upload: UploadedFile) -> UploadedFile:
    """Form-level checks of an import upload; raises ValidationError with the reason."""
    extension = extension_of(upload.name)
    if extension not in EXTENSIONS:
        raise ValidationError(_("只接受 .xlsx 或 .csv 文件。"))
    limit = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_("文件超过%(limit)s。") % {"limit": filesizeformat(limit)})
    if not upload.size:
        raise ValidationError(_("文件是空的。"))
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if extension == ".xlsx" and not head.startswith(ZIP_MAGIC):
        raise ValidationError(_("文件内容不是 Excel 工作簿（.xlsx）。旧版 .xls 请在 Excel 中另存为 .xlsx。"))
    if extension == ".csv" and (b"\x00" in head or head.startswith(ZIP_MAGIC)):
        raise ValidationError(_("文件内容不是文本格式的 CSV。"))
    return upload


# Reading.


def read_table(content: bytes, name: str, required: Sequence[str] = ()) -> Table:
    """The first sheet of an xlsx, or a csv, as a header and rows; BadFile when it must be refused."""
    if not content:
        raise BadFile(_("文件是空的。"))
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise BadFile(_("文件超过%(limit)s。") % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)})
    extension = extension_of(name)
    if extension == ".xlsx":
        raw = _xlsx_rows(content)
    elif extension == ".csv":
        raw = _csv_rows(content)
    else:
        raise BadFile(_("只接受 .xlsx 或 .csv 文件。"))
    _check_size(raw)
    headers = [text(h) for h in (raw[0] if raw else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise BadFile(_("文件没有表头行。第一行应为列名。"))
    missing = [column for column in required if column not in headers]
    if missing:
        raise BadFile(_("缺少列：%(columns)s。") % {"columns": "、".join(missing)})
    width = len(headers)
    rows = [tuple(row[:width]) + (None,) * (width - len(row)) for row in raw[1:]]
    return Table(headers, rows)


def _check_size(raw: list[tuple[Any, ...]]) -> None:
    """Too many data rows or too long a cell refuse the whole file, whatever its columns."""
    rows = len(raw) - 1
    while rows > 0 and is_blank(raw[rows]):
        rows -= 1  # Excel keeps formatted empty rows at the end
    if rows > settings.IMPORT_MAX_ROWS:
        raise BadFile(
            _("文件的数据行数超过每次导入的上限%(limit)s行。请分成几个文件导入。") % {"limit": settings.IMPORT_MAX_ROWS}
        )
    limit = settings.IMPORT_MAX_CELL_CHARS
    for number, row in enumerate(raw, start=1):
        for value in row:
            if isinstance(value, str) and len(value) > limit:
                raise BadFile(
                    _("第%(row)s行有一个单元格超过%(limit)s个字符，不像考勤或评分数据。请检查文件。")
                    % {"row": number, "limit": limit}
                )


def check_zip(content: bytes) -> None:
    """Refuse a zip bomb from the central directory alone: nothing is decompressed here."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except ZIP_READ_ERRORS:
        raise BadFile(_("无法读取 Excel 文件：文件已损坏或不完整。请在 Excel 中重新保存后上传。")) from None
    if len(members) > 1000:
        raise BadFile(_("Excel 文件结构异常（包含过多部件），已拒绝。"))
    total = sum(member.file_size for member in members)
    too_packed = any(
        member.file_size > RATIO_FLOOR_BYTES
        and member.file_size > settings.IMPORT_MAX_ZIP_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if total > settings.IMPORT_MAX_UNPACKED_BYTES or too_packed:
        raise BadFile(
            _("Excel 文件解压后过大（声明%(size)s MB），疑似压缩炸弹，已拒绝，未读取其内容。")
            % {"size": round(total / 1024 / 1024)}
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise BadFile(_("文件内容不是 Excel 工作簿（.xlsx）。"))


def _xlsx_rows(content: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    check_zip(content)
    try:
        # data_only=False: a formula comes back as its text and is never evaluated.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(row)
                if len(rows) > settings.IMPORT_MAX_ROWS + 1:
                    rows.append(("…",))  # enough to say it is too long, without reading the rest
                    break
            return rows
        finally:
            workbook.close()
    except BadFile:
        raise
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise BadFile(
            _("无法读取 Excel 文件（%(error)s）。请在 Excel 中重新保存后上传。") % {"error": str(error)[:120]}
        ) from None


def _csv_rows(content: bytes) -> list[tuple[Any, ...]]:
    if b"\x00" in content:
        raise BadFile(_("文件内容不是文本格式的 CSV。"))
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            decoded = content.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        except UnicodeDecodeError:
            raise BadFile(_("无法识别 CSV 文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV。")) from None
    csv.field_size_limit(max(settings.IMPORT_MAX_CELL_CHARS * 4, 131072))
    try:
        rows = []
        for row in csv.reader(io.StringIO(decoded, newline="")):
            rows.append(tuple(row))
            if len(rows) > settings.IMPORT_MAX_ROWS + 1:
                rows.append(("…",))
                break
        return rows
    except csv.Error as error:
        limit = settings.IMPORT_MAX_CELL_CHARS
        if "field larger" in str(error):
            raise BadFile(_("文件中有单元格超过%(limit)s个字符，请检查文件。") % {"limit": limit}) from None
        raise BadFile(_("无法读取 CSV 文件（%(error)s）。") % {"error": str(error)[:120]}) from None


# Cell values.


def parse_date(value: Any) -> datetime.date:
    """A date cell: an Excel date, or text such as 2026-11-02, 2026/11/2, 2026年11月2日, 20261102."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value)
    cleaned = raw.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    formats = ("%Y-%m-%d", "%Y%m%d")
    for fmt in formats:
        try:
            return datetime.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_time(value: Any) -> datetime.time:
    """A time cell: an Excel time, or text such as 8:05, 08:05:31."""
    if isinstance(value, datetime.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0)
    if isinstance(value, datetime.timedelta):  # openpyxl reads [h]:mm durations so
        seconds = int(value.total_seconds())
        if 0 <= seconds < 86400:
            return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        raise ValueError(str(value))
    raw = text(value).replace("：", ":")
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return datetime.datetime.strptime(raw, fmt).time()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_datetime(value: Any) -> tuple[datetime.date, datetime.time]:
    """A date-and-time cell: an Excel datetime, or text "2026-11-02 08:05[:31]"."""
    if isinstance(value, datetime.datetime):
        return value.date(), value.time().replace(microsecond=0)
    raw = text(value).replace("T", " ")
    day, _sep, clock = raw.partition(" ")
    if not clock.strip():
        raise ValueError(raw)
    return parse_date(day), parse_time(clock.strip())


# Writing many rows.


def update_in_bulk(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str], batch_size: int
) -> None:
    """`UPDATE … FROM (VALUES …)` of `fields` for `objs`: one query per batch, linear in the rows.

    Django's `bulk_update` builds a `CASE WHEN pk = … THEN …` per field, which PostgreSQL evaluates
    row by row against every branch: quadratic in the batch, seconds for a few thousand scores.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    table, key = quote(meta.db_table), meta.pk
    assignments = ", ".join(
        f"{quote(column.column)} = v.c{index}::{column.db_type(connection)}" for index, column in enumerate(columns)
    )
    names = ", ".join(["pk", *(f"c{index}" for index in range(len(columns)))])
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params: list[Any] = []
            for obj in batch:
                params.append(key.get_db_prep_save(obj.pk, connection))
                params.extend(column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns)
            # Only quoted identifiers and column types from the model go into the text; values are parameters.
            sql = (
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(batch))}) AS v({names}) "  # noqa: S608
                f"WHERE {table}.{quote(key.column)} = v.pk::{key.db_type(connection)}"
            )
            cursor.execute(sql, params)
