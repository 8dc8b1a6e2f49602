"""Excel: the score sheet (export and import through django-import-export) and the printable results.

Import is two steps. `import_preview` runs the whole file as a dry run inside a transaction that is
rolled back, through the same audited action as the scoring page (`actions.score_set`), and stores
what each row would change and every row's errors. `import_apply` runs it again for real, all or
nothing: any error — or any score changed by someone else since the preview — rolls everything
back. Each applied change is in the score's history with the file's name as the reason.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.results import RowResult
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from supervision.exports import XLSX_MIME, safe_cell
from supervision.workflow import EditConflict, TransitionNotAllowed

from . import actions, queries, rules
from .models import Assessment, AssessmentYear, Score, ScoreImport, Track
from .scoring import ROUNDING_RULE

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


def _county_label(assessment: Assessment) -> str:
    return assessment.agency.division.name if assessment.agency.division_id else assessment.agency.name


class ScoreResource(resources.ModelResource):
    """One row per county and item: the sheet scorers fill in and upload."""

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
        import_id_fields: tuple[str, ...] = ()
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        use_transactions = True
        clean_model_instances = False

    def __init__(
        self, year: AssessmentYear | None = None, acting_user: Any = None, expected: dict[str, int] | None = None
    ):
        super().__init__()
        self.assessment_year = year
        self.acting_user = acting_user
        self.expected = expected  # {score id: version seen in the preview}; None while previewing
        self.reason = ""
        self._lookup: dict[tuple[str, str, str], Score] | None = None
        self._seen_rows: dict[int, int] = {}
        self._rights: dict[tuple[int, str], bool] = {}

    # Export

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

    # Import

    def _scores(self) -> dict[tuple[str, str, str], Score]:
        if self._lookup is None:
            lookup: dict[tuple[str, str, str], Score] = {}
            scores = Score.objects.filter(assessment__year=self.assessment_year).select_related(
                "item", "assessment", "assessment__year", "assessment__agency", "assessment__agency__division"
            )
            for score in scores:
                agency = score.assessment.agency
                for label in {_county_label(score.assessment), agency.name, agency.short_name}:
                    if label:
                        lookup[(label, score.item.track, score.item.name)] = score
            self._lookup = lookup
        return self._lookup

    def get_or_init_instance(self, instance_loader: Any, row: dict[str, Any]) -> tuple[Score, bool]:
        if _is_blank(row):
            blank = Score()
            blank._skip_blank = True
            return blank, False
        county = _text(row.get(COL_COUNTY))
        track_label = _text(row.get(COL_TRACK))
        item = _text(row.get(COL_ITEM))
        year = _text(row.get(COL_YEAR))
        if year and year != str(self.assessment_year.year):
            raise ValidationError(
                _("年度为%(found)s，不是%(year)s年度。") % {"found": year, "year": self.assessment_year.year}
            )
        track = TRACK_BY_LABEL.get(track_label)
        if track is None:
            raise ValidationError(_("考核类别“%(value)s”应为“基础管理”或“目标管理”。") % {"value": track_label})
        score = self._scores().get((county, track, item))
        if score is None:
            raise ValidationError(
                _("找不到“%(county)s”的%(track)s项目“%(item)s”。")
                % {"county": county, "track": track_label, "item": item}
            )
        if score.pk in self._seen_rows:
            raise ValidationError(_("与第%(row)s行重复。") % {"row": self._seen_rows[score.pk]})
        self._seen_rows[score.pk] = self._current_row
        # A fresh copy per row: the lookup's object must keep the stored values for the diff.
        return Score.objects.select_related("item", "assessment__year", "assessment__agency").get(pk=score.pk), False

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        self._current_row = kwargs["row_number"] + 1  # the header is the sheet's first row

    def import_instance(self, instance: Score, row: dict[str, Any], **kwargs: Any) -> None:
        if getattr(instance, "_skip_blank", False):
            return
        raw_points = row.get(COL_POINTS)
        comment = _text(row.get(COL_COMMENT)) if COL_COMMENT in row else instance.comment
        if raw_points is None or _text(raw_points) == "":
            instance._skip_blank = True  # 留空表示不修改
            return
        assessment = instance.assessment
        track = instance.item.track
        key = (assessment.pk, track)
        if key not in self._rights:
            self._rights[key] = rules.may_score(self.acting_user, assessment, track)
        if not self._rights[key]:
            raise ValidationError(
                _("您无权评定%(county)s的%(track)s。")
                % {"county": _county_label(assessment), "track": Track(track).label}
            )
        points = actions.parse_points(raw_points, instance.max_points)
        if (points, comment) != (instance.points, instance.comment):
            try:
                actions._require_open_track(assessment, track)
            except TransitionNotAllowed as refused:
                raise ValidationError(str(refused.message)) from None
        instance.points, instance.comment = points, comment

    def skip_row(
        self, instance: Score, original: Score, row: dict[str, Any], import_validation_errors: Any = None
    ) -> bool:
        if getattr(instance, "_skip_blank", False):
            return True
        return super().skip_row(instance, original, row, import_validation_errors)

    def do_instance_save(self, instance: Score, is_create: bool) -> None:
        version = None
        if self.expected is not None:
            version = self.expected.get(str(instance.pk))
            if version is None:
                raise ValidationError(_("预览时该项没有变化，现在却有变化：请重新上传预览。"))
        try:
            actions.score_set(
                instance,
                acting_user=self.acting_user,
                points=instance.points,
                comment=instance.comment,
                version=version,
                reason=self.reason,
            )
        except EditConflict:
            raise ValidationError(_("预览后该项评分已被他人修改，请重新上传预览。")) from None
        except TransitionNotAllowed as refused:
            raise ValidationError(str(refused.message)) from None
        except PermissionDenied:
            raise ValidationError(_("您无权评定该项。")) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---------------------------------------------------------------------------------------------
# Reading uploads


class BadFile(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_dataset(content: bytes, name: str) -> tablib.Dataset:
    extension = PurePosixPath(name).suffix.lower()
    try:
        if extension == ".xlsx":
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        else:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("gb18030")  # Excel in Chinese Windows saves CSV in GBK
            dataset = tablib.Dataset().load(text, format="csv")
    except BadFile:
        raise
    except Exception as error:  # tablib raises many kinds on a broken file
        raise BadFile(_("无法读取文件：%(error)s") % {"error": str(error)[:200]}) from None
    headers = [_text(h) for h in (dataset.headers or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if missing:
        raise BadFile(_("缺少列：%(columns)s。请使用“下载评分模板”得到的表格。") % {"columns": "、".join(missing)})
    dataset.headers = headers
    # Blank rows stay (and are skipped on import) so that data row n is sheet row n + 1: errors name
    # the row a person sees in Excel.
    return dataset


def _is_blank(row: dict[str, Any]) -> bool:
    return not any(_text(value) for value in row.values())


def _row_errors(result: Any) -> list[dict[str, Any]]:
    errors = []
    for invalid in result.invalid_rows:
        messages = (
            [str(m) for field_messages in invalid.error_dict.values() for m in field_messages]
            if hasattr(invalid, "error_dict")
            else [str(m) for m in invalid.error.messages]
        )
        errors.append({"row": invalid.number + 1, "values": _row_label(invalid.values), "messages": messages})
    for number, row_errors in result.row_errors():
        errors.append({"row": number + 1, "values": "", "messages": [str(e.error) for e in row_errors]})
    for base in result.base_errors:
        errors.append({"row": None, "values": "", "messages": [str(base.error)]})
    return sorted(errors, key=lambda e: (e["row"] is not None, e["row"] or 0))


def _row_label(values: Iterable[Any]) -> str:
    return " / ".join(_text(v) for v in list(values)[1:5] if _text(v))


def _preview_rows(result: Any) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows, seen = [], {}
    for row_result in result.valid_rows():
        instance, original = row_result.instance, row_result.original
        if instance is None or instance.pk is None:
            continue  # a blank row
        changed = row_result.import_type == RowResult.IMPORT_TYPE_UPDATE
        rows.append(
            {
                "county": _county_label(instance.assessment),
                "track": str(Track(instance.item.track).label),
                "item": instance.item.name,
                "old_points": _fmt(original.points if original else None),
                "new_points": _fmt(instance.points),
                "old_comment": original.comment if original else "",
                "new_comment": instance.comment,
                "changed": changed,
            }
        )
        if changed and original is not None:
            seen[str(instance.pk)] = original.version
    return rows, seen


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _run(score_import: ScoreImport, *, acting_user: Any, dry_run: bool, expected: dict[str, int] | None) -> Any:
    content = score_import.file.open("rb").read()
    dataset = read_dataset(content, score_import.original_name)
    resource = ScoreResource(score_import.year, acting_user, expected)
    resource.reason = _("Excel导入：%(name)s") % {"name": score_import.original_name}
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        retain_instance_in_row_result=True,
    )
    return dataset, result


@transaction.atomic
def import_preview(year: AssessmentYear, upload: UploadedFile, *, acting_user: Any) -> ScoreImport:
    """Store the upload and what it would change; nothing is scored yet."""
    content = upload.read()
    score_import = ScoreImport(
        year=year,
        original_name=PurePosixPath(upload.name or "scores").name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=acting_user,
    )
    score_import.file.save(f"scores{PurePosixPath(upload.name or '').suffix.lower()}", io.BytesIO(content), save=False)
    try:
        dataset, result = _run(score_import, acting_user=acting_user, dry_run=True, expected=None)
    except BadFile as bad:
        score_import.status = ScoreImport.Status.REFUSED
        score_import.errors = [{"row": None, "values": "", "messages": [bad.message]}]
        score_import.save()
        return score_import
    rows, seen = _preview_rows(result)
    score_import.total_rows = sum(1 for row in dataset.dict if not _is_blank(row))
    score_import.errors = _row_errors(result)
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
        _dataset, result = _run(
            score_import, acting_user=acting_user, dry_run=False, expected=score_import.seen_versions
        )
    except BadFile as bad:
        errors = [{"row": None, "values": "", "messages": [bad.message]}]
    else:
        errors = _row_errors(result)
    if errors:
        # import_data rolled its own savepoint back: no score was written.
        score_import.status = ScoreImport.Status.REFUSED
        score_import.errors = errors
        actions._by(score_import, acting_user, _("导入失败，未写入"))
        score_import.save()
        return ImportOutcome(0, errors)
    applied = sum(1 for row in result.valid_rows() if row.import_type == RowResult.IMPORT_TYPE_UPDATE)
    score_import.status = ScoreImport.Status.APPLIED
    score_import.applied_at = timezone.now()
    score_import.changed_rows = applied
    actions._by(score_import, acting_user, _("确认导入"))
    score_import.save()
    return ImportOutcome(applied, [])


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
    if fmt == "csv":
        content = ("\ufeff" + dataset.export("csv")).encode("utf-8")
        return _attachment(content, f"{year.year}年度双百分考核评分表.csv", "text/csv; charset=utf-8")
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
