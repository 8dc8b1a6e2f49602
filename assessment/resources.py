"""Excel: the score sheet (export through django-import-export, import in bulk) and the printable results.

Import is two steps. `import_preview(year, upload, acting_user=)` reads the whole file (safely, through
`supervision.imports`) and stores what each row would change and every row's errors; nothing is
scored. `import_apply(score_import, acting_user=)` reads it again and writes, all or nothing: any
error — a row the user may not score, a locked or submitted track, or a score changed by someone else
since the preview — writes nothing. The rules are those of the scoring page (`actions.score_set`),
checked for the whole file at once: a fixed number of queries however many rows, plus a few per
1,000 changed scores (the bulk updates and their history rows). Each applied change is in the score's
history with the file's name as the reason; each touched assessment's totals are recomputed once.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from supervision.exports import XLSX_MIME, csv_response, safe_cell
from supervision.imports import BadFile, Table, read_table, update_in_bulk
from supervision.imports import text as _text
from supervision.workflow import TransitionNotAllowed

from . import actions, queries, rules
from .models import Assessment, AssessmentYear, Score, ScoreImport, Track
from .scoring import ROUNDING_RULE, compute_result

COL_YEAR = "年度"
COL_COUNTY = "县（市、区）"
COL_TRACK = "考核类别"
COL_POSITION = "序号"
COL_ITEM = "考核项目"
COL_MAX = "分值"
COL_POINTS = "得分"
COL_COMMENT = "评分说明"
COL_SCORER = "评分人"
REQUIRED_COLUMNS = (COL_COUNTY, COL_TRACK, COL_ITEM, COL_POINTS)
TRACK_BY_LABEL = {"基础管理": Track.BASIC, "目标管理": Track.TARGET, "basic": Track.BASIC, "target": Track.TARGET}
BATCH_SIZE = 1000
SCORE_FIELDS = ["points", "comment", "scored_by", "scored_at", "version"]

__all__ = ["BadFile", "ImportOutcome", "ScoreResource", "import_apply", "import_cancel", "import_preview"]


def _county_label(assessment: Assessment) -> str:
    return assessment.agency.division.name if assessment.agency.division_id else assessment.agency.name


class ScoreResource(resources.ModelResource):
    """One row per county and item: the sheet scorers fill in and upload (export only; see `import_preview`)."""

    year = fields.Field(column_name=COL_YEAR, readonly=True)
    county = fields.Field(column_name=COL_COUNTY, readonly=True)
    track = fields.Field(column_name=COL_TRACK, readonly=True)
    position = fields.Field(column_name=COL_POSITION, readonly=True)
    item = fields.Field(column_name=COL_ITEM, readonly=True)
    max = fields.Field(column_name=COL_MAX, readonly=True)
    points = fields.Field(attribute="points", column_name=COL_POINTS)
    comment = fields.Field(attribute="comment", column_name=COL_COMMENT)
    scorer = fields.Field(column_name=COL_SCORER, readonly=True)

    class Meta:
        model = Score
        fields = ("year", "county", "track", "position", "item", "max", "points", "comment", "scorer")
        export_order = fields

    def __init__(self, year: AssessmentYear | None = None):
        super().__init__()
        self.assessment_year = year

    def dehydrate_year(self, score: Score) -> int:
        return score.assessment.year.year

    def dehydrate_county(self, score: Score) -> str:
        return _county_label(score.assessment)

    def dehydrate_track(self, score: Score) -> str:
        return str(score.item.get_track_display())

    def dehydrate_position(self, score: Score) -> int:
        return score.item.position

    def dehydrate_item(self, score: Score) -> str:
        return score.item.name

    def dehydrate_max(self, score: Score) -> Decimal:
        return score.max_points

    def dehydrate_points(self, score: Score) -> Any:
        return score.points if score.points is not None else ""

    def dehydrate_scorer(self, score: Score) -> str:
        user = score.scored_by
        if user is None:
            return ""
        person = getattr(user, "person", None)
        return person.name if person else user.get_username()


# ---------------------------------------------------------------------------------------------
# Import: reading and checking the whole file


def read_sheet(content: bytes, name: str) -> Table:
    """The upload as a table with the score sheet's columns; BadFile when the file must be refused."""
    table = read_table(content, name)
    missing = [column for column in REQUIRED_COLUMNS if column not in table.headers]
    if missing:
        raise BadFile(_("缺少列：%(columns)s。请使用“下载评分模板”得到的表格。") % {"columns": "、".join(missing)})
    # Blank rows stay (and are skipped) so that data row n is sheet row n + 2: errors name the row a
    # person sees in Excel.
    return table


class RowError(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


@dataclass
class PlannedRow:
    number: int
    score: Score  # as stored when the file was read
    points: Decimal | None
    comment: str
    changed: bool


@dataclass
class Plan:
    total: int = 0
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.changed]


def _score_lookup(year: AssessmentYear) -> dict[tuple[str, str, str], Score]:
    """Every score of the year by (county label, track, item name), in three queries.

    Items and assessments are fetched once and shared by their scores: a year of 2,850 counties has
    40,000 scores, and building five related objects for each would be most of an import's time.
    """
    items = {item.pk: item for item in year.items.all()}
    assessments = {
        a.pk: a for a in Assessment.objects.filter(year=year).select_related("year", "agency", "agency__division")
    }
    lookup: dict[tuple[str, str, str], Score] = {}
    fields = ("pk", "assessment_id", "item_id", "max_points", "points", "comment", "version")
    for score in Score.objects.filter(assessment__year=year).only(*fields):
        score.item, score.assessment = items[score.item_id], assessments[score.assessment_id]
        agency = score.assessment.agency
        for label in {_county_label(score.assessment), agency.name, agency.short_name}:
            if label:
                lookup[(label, score.item.track, score.item.name)] = score
    return lookup


def plan(year: AssessmentYear, table: Table, acting_user: Any) -> Plan:
    """What each row would change and every row's error, for the whole file, in a fixed number of queries."""
    lookup = _score_lookup(year)
    assessments = {score.assessment_id: score.assessment for score in lookup.values()}
    rights = rules.scoring_rights(acting_user, assessments.values())
    result = Plan()
    seen: dict[int, int] = {}
    has_comment = COL_COMMENT in table.headers
    for index, values in enumerate(table.rows):
        number = index + 2  # the header is the sheet's first row
        row = dict(zip(table.headers, values, strict=False))
        if not any(_text(value) for value in row.values()):
            continue
        result.total += 1
        try:
            planned = _plan_row(year, row, number, lookup, rights, seen, has_comment)
        except (RowError, ValidationError) as error:
            messages = [error.message] if isinstance(error, RowError) else [str(m) for m in error.messages]
            result.errors.append({"row": number, "values": _row_label(values), "messages": messages})
            continue
        result.rows.append(planned)
    return result


def _plan_row(
    year: AssessmentYear,
    row: dict[str, Any],
    number: int,
    lookup: dict[tuple[str, str, str], Score],
    rights: dict[tuple[int, str], bool],
    seen: dict[int, int],
    has_comment: bool,
) -> PlannedRow:
    county, track_label, item = _text(row.get(COL_COUNTY)), _text(row.get(COL_TRACK)), _text(row.get(COL_ITEM))
    found_year = _text(row.get(COL_YEAR))
    if found_year and found_year != str(year.year):
        raise RowError(_("年度为%(found)s，不是%(year)s年度。") % {"found": found_year, "year": year.year})
    track = TRACK_BY_LABEL.get(track_label)
    if track is None:
        raise RowError(_("考核类别“%(value)s”应为“基础管理”或“目标管理”。") % {"value": track_label})
    score = lookup.get((county, track, item))
    if score is None:
        raise RowError(
            _("找不到“%(county)s”的%(track)s项目“%(item)s”。") % {"county": county, "track": track_label, "item": item}
        )
    if score.pk in seen:
        raise RowError(_("与第%(row)s行重复。") % {"row": seen[score.pk]})
    seen[score.pk] = number
    comment = _text(row.get(COL_COMMENT)) if has_comment else score.comment
    raw_points = row.get(COL_POINTS)
    if _text(raw_points) == "":
        return PlannedRow(number, score, score.points, score.comment, False)  # 留空表示不修改
    assessment = score.assessment
    if not rights.get((assessment.pk, str(track))):
        raise RowError(
            _("您无权评定%(county)s的%(track)s。") % {"county": _county_label(assessment), "track": Track(track).label}
        )
    points = actions.parse_points(raw_points, score.max_points)
    changed = (points, comment) != (score.points, score.comment)
    if changed:
        _check_open(assessment, track)
    return PlannedRow(number, score, points, comment, changed)


def _check_open(assessment: Assessment, track: str) -> None:
    try:
        actions._require_open_track(assessment, track)
    except TransitionNotAllowed as refused:
        raise RowError(refused.message) from None


def _row_label(values: Iterable[Any]) -> str:
    return " / ".join(_text(v) for v in list(values)[1:5] if _text(v))


def _preview(result: Plan) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows, seen = [], {}
    for row in result.rows:
        score = row.score
        rows.append(
            {
                "county": _county_label(score.assessment),
                "track": str(Track(score.item.track).label),
                "item": score.item.name,
                "old_points": _fmt(score.points),
                "new_points": _fmt(row.points),
                "old_comment": score.comment,
                "new_comment": row.comment,
                "changed": row.changed,
            }
        )
        if row.changed:
            seen[str(score.pk)] = score.version
    return rows, seen


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _file_error(message: str) -> list[dict[str, Any]]:
    return [{"row": None, "values": "", "messages": [message]}]


# ---------------------------------------------------------------------------------------------
# Import: the two steps


@transaction.atomic
def import_preview(year: AssessmentYear, upload: UploadedFile, *, acting_user: Any) -> ScoreImport:
    """Store the upload and what it would change; nothing is scored yet."""
    upload.seek(0)
    content = upload.read()
    score_import = ScoreImport(
        year=year,
        original_name=PurePosixPath(upload.name or "scores").name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=acting_user,
    )
    score_import.file.save(f"scores{PurePosixPath(upload.name or '').suffix.lower()}", io.BytesIO(content), save=False)
    try:
        result = plan(year, read_sheet(content, score_import.original_name), acting_user)
    except BadFile as bad:
        score_import.status = ScoreImport.Status.REFUSED
        score_import.errors = _file_error(bad.message)
        actions._by(score_import, acting_user, _("上传预览：文件被拒绝"))
        score_import.save()
        return score_import
    rows, seen = _preview(result)
    score_import.total_rows = result.total
    score_import.errors = sorted(result.errors, key=lambda e: e["row"])
    score_import.preview = rows
    score_import.seen_versions = seen
    score_import.changed_rows = len(seen)
    score_import.status = ScoreImport.Status.REFUSED if score_import.errors else ScoreImport.Status.PREVIEWED
    actions._by(score_import, acting_user, _("上传预览"))
    score_import.save()
    return score_import


def preview_rows(score_import: ScoreImport) -> list[dict[str, Any]]:
    return score_import.preview


@dataclass(frozen=True)
class ImportOutcome:
    applied: int
    errors: list[dict[str, Any]]


@transaction.atomic
def import_apply(score_import: ScoreImport, *, acting_user: Any) -> ImportOutcome:
    """Write the previewed changes, all or nothing: on any error nothing is written and the errors are kept."""
    score_import = ScoreImport.objects.select_for_update(of=("self",)).select_related("year").get(pk=score_import.pk)
    if score_import.uploaded_by_id != acting_user.pk:
        raise PermissionDenied
    if score_import.status != ScoreImport.Status.PREVIEWED:
        raise TransitionNotAllowed(_("该文件已处理，不能再次导入。"))
    try:
        content = score_import.file.open("rb").read()
        result = plan(score_import.year, read_sheet(content, score_import.original_name), acting_user)
    except BadFile as bad:
        errors = _file_error(bad.message)
    else:
        errors = result.errors or _write(result, acting_user, score_import)
    if errors:
        score_import.status = ScoreImport.Status.REFUSED
        score_import.errors = sorted(errors, key=lambda e: (e["row"] is not None, e["row"] or 0))
        actions._by(score_import, acting_user, _("导入失败，未写入"))
        score_import.save()
        return ImportOutcome(0, score_import.errors)
    score_import.status = ScoreImport.Status.APPLIED
    score_import.applied_at = timezone.now()
    score_import.changed_rows = len(result.changed)
    actions._by(score_import, acting_user, _("确认导入"))
    score_import.save()
    return ImportOutcome(len(result.changed), [])


def _write(result: Plan, acting_user: Any, score_import: ScoreImport) -> list[dict[str, Any]]:
    """Lock, check against the preview, then write the changed scores and the totals in bulk; errors write nothing."""
    changed = result.changed
    if not changed:
        return []
    assessment_ids = sorted({row.score.assessment_id for row in changed})
    assessments = {
        a.pk: a
        for a in Assessment.objects.select_for_update(of=("self",))
        .select_related("year")
        .filter(pk__in=assessment_ids)
        .order_by("pk")
    }
    locked = {
        s.pk: s
        for s in Score.objects.select_for_update(of=("self",))
        .filter(pk__in=[row.score.pk for row in changed])
        .order_by("pk")
    }
    expected = score_import.seen_versions or {}
    errors = []
    for row in changed:
        try:
            _check_unchanged_since_preview(locked[row.score.pk], expected.get(str(row.score.pk)))
            _check_open(assessments[row.score.assessment_id], row.score.item.track)
        except RowError as error:
            errors.append({"row": row.number, "values": "", "messages": [error.message]})
    if errors:
        return errors
    now = timezone.now()
    scores = []
    for row in changed:
        score = locked[row.score.pk]
        score.points, score.comment = row.points, row.comment.strip()
        score.scored_by, score.scored_at = acting_user, now
        score.version += 1
        scores.append(score)
    reason = (_("Excel导入：%(name)s") % {"name": score_import.original_name})[:100]
    update_in_bulk(Score, scores, SCORE_FIELDS, BATCH_SIZE)
    Score.history.bulk_history_create(
        scores, batch_size=BATCH_SIZE, update=True, default_user=acting_user, default_change_reason=reason
    )
    _store_totals(list(assessments.values()), acting_user)
    return []


def _check_unchanged_since_preview(score: Score, version: int | None) -> None:
    if version is None:
        raise RowError(_("预览时该项没有变化，现在却有变化：请重新上传预览。"))
    if int(version) != score.version:
        raise RowError(_("预览后该项评分已被他人修改，请重新上传预览。"))


def _store_totals(assessments: list[Assessment], acting_user: Any) -> None:
    """Recompute each touched assessment's totals once, from one query, with a history row for each."""
    by_assessment: dict[int, list[tuple[str, Decimal | None]]] = {a.pk: [] for a in assessments}
    stored = Score.objects.filter(assessment_id__in=by_assessment).values_list("assessment_id", "item__track", "points")
    for assessment_id, track, points in stored:
        by_assessment[assessment_id].append((track, points))
    started = []
    for assessment in assessments:
        outcome = compute_result(
            by_assessment[assessment.pk], assessment.year.basic_weight, assessment.year.target_weight
        )
        assessment.basic_total = outcome.basic_total
        assessment.target_total = outcome.target_total
        assessment.final_score = outcome.final_score
        if assessment.status == Assessment.Status.DRAFT:
            assessment.start_scoring()
            started.append(assessment)
    update_in_bulk(Assessment, assessments, ["basic_total", "target_total", "final_score", "status"], BATCH_SIZE)
    # As `actions.score_set`: the running totals are audited too; the reason says whether scoring started.
    rest = [assessment for assessment in assessments if assessment not in started]
    for group, reason in ((started, _("开始评分")), (rest, _("评分"))):
        if group:
            Assessment.history.bulk_history_create(
                group, batch_size=BATCH_SIZE, update=True, default_user=acting_user, default_change_reason=reason
            )


@transaction.atomic
def import_cancel(score_import: ScoreImport, *, acting_user: Any) -> None:
    score_import = ScoreImport.objects.select_for_update(of=("self",)).get(pk=score_import.pk)
    if score_import.status == ScoreImport.Status.PREVIEWED:
        score_import.status = ScoreImport.Status.CANCELLED
        actions._by(score_import, acting_user, _("取消导入"))
        score_import.save()


# ---------------------------------------------------------------------------------------------
# Exports


def _attachment(content: bytes, filename: str, mime: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def score_sheet_response(year: AssessmentYear, assessments: QuerySet[Assessment], fmt: str = "xlsx") -> HttpResponse:
    """The score sheet (import template): one row per county and item, current points filled in."""
    scores = (
        Score.objects.filter(assessment__in=assessments)
        .select_related("item", "assessment__year", "assessment__agency__division", "scored_by__person")
        .order_by("assessment__agency__division__code", "item__track", "item__position")
    )
    dataset = ScoreResource(year).export(scores)
    if fmt == "csv":  # through csv_response: a comment starting like a formula is quoted there too
        return csv_response(f"{year.year}年度双百分考核评分表.csv", dataset.headers, dataset)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{year.year}年度评分"
    sheet.append(list(dataset.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dataset:
        sheet.append([safe_cell(value) for value in row])
    for index, width in enumerate((8, 14, 12, 6, 22, 8, 8, 40, 12), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(buffer.getvalue(), f"{year.year}年度双百分考核评分表.xlsx", XLSX_MIME)


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def results_workbook(year: AssessmentYear, assessments: QuerySet[Assessment]) -> bytes:
    """The year's results as a bureau prints them: title, two-row header by track, ranks, weights and rule."""
    items = list(year.items.order_by("track", "position"))
    basic = [i for i in items if i.track == Track.BASIC]
    target = [i for i in items if i.track == Track.TARGET]
    rows = list(assessments.select_related("agency", "agency__division").order_by("agency__division__code"))
    points: dict[tuple[int, int], Decimal | None] = {
        (assessment_id, item_id): value
        for assessment_id, item_id, value in Score.objects.filter(assessment__in=rows).values_list(
            "assessment_id", "item_id", "points"
        )
    }
    all_ranks = queries.ranks(year)
    ordered = sorted(
        rows, key=lambda a: (all_ranks.get(a.pk) or 10_000, a.agency.division.code if a.agency.division else "")
    )

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{year.year}年度考核结果"
    columns = 2 + len(basic) + 1 + len(target) + 1 + 3
    title = _("%(year)s年度县（市、区）社会保险经办机构基础管理和目标管理考核（双百分考核）结果") % {"year": year.year}
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(row=1, column=1).alignment = CENTER
    weights = _("最终得分 = 基础管理得分 × %(wb)s + 目标管理得分 × %(wt)s，%(rule)s。") % {
        "wb": year.basic_weight.normalize(),
        "wt": year.target_weight.normalize(),
        "rule": ROUNDING_RULE,
    }
    sheet.cell(row=2, column=1, value=weights)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)

    header_top, header_sub = 3, 4
    col = 1
    for label in (_("序号"), _("县（市、区）")):
        sheet.cell(row=header_top, column=col, value=label)
        sheet.merge_cells(start_row=header_top, start_column=col, end_row=header_sub, end_column=col)
        col += 1
    for track_label, track_items in ((_("基础管理"), basic), (_("目标管理"), target)):
        start = col
        for item in track_items:
            sheet.cell(row=header_sub, column=col, value=f"{item.name}（{item.max_points.normalize()}）")
            col += 1
        sheet.cell(row=header_sub, column=col, value=_("小计"))
        col += 1
        sheet.cell(
            row=header_top,
            column=start,
            value=f"{track_label}（{_('权重')} {year.weights[track_items[0].track].normalize() if track_items else ''}）",
        )
        sheet.merge_cells(start_row=header_top, start_column=start, end_row=header_top, end_column=col - 1)
    for label in (_("最终得分"), _("排名"), _("状态")):
        sheet.cell(row=header_top, column=col, value=label)
        sheet.merge_cells(start_row=header_top, start_column=col, end_row=header_sub, end_column=col)
        col += 1

    for index, assessment in enumerate(ordered, start=1):
        values: list[Any] = [index, str(assessment.agency)]
        values += [points.get((assessment.pk, item.pk)) for item in basic] + [assessment.basic_total]
        values += [points.get((assessment.pk, item.pk)) for item in target] + [assessment.target_total]
        values += [
            assessment.final_score if assessment.has_result else None,
            all_ranks.get(assessment.pk),
            str(assessment.get_status_display()),
        ]
        sheet.append([safe_cell(v) for v in values])

    last_row = header_sub + len(ordered)
    for row in sheet.iter_rows(min_row=header_top, max_row=last_row, max_col=columns):
        for cell in row:
            cell.border = BOX
            cell.alignment = CENTER
            if cell.row <= header_sub:
                cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=header_sub + 1, max_row=last_row, min_col=3, max_col=columns - 2):
        for cell in row:
            cell.number_format = "0.00"
    footer = last_row + 2
    sheet.cell(
        row=footer,
        column=1,
        value=_("说明：排名仅含已确认的考核结果，得分相同者并列。导出时间：%(time)s。")
        % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )
    sheet.merge_cells(start_row=footer, start_column=1, end_row=footer, end_column=columns)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 16
    for index in range(3, columns + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 10
    sheet.row_dimensions[header_sub].height = 48
    sheet.print_title_rows = f"{header_top}:{header_sub}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.freeze_panes = sheet.cell(row=header_sub + 1, column=3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def results_workbook_response(year: AssessmentYear, assessments: QuerySet[Assessment]) -> HttpResponse:
    return _attachment(results_workbook(year, assessments), f"{year.year}年度双百分考核结果.xlsx", XLSX_MIME)
