"""Bad spreadsheets refused by both imports (scores, attendance machine): a clear message, never a 500, nothing written.

Hand-written cases — random bytes, a truncated workbook, a wrong extension, an undecodable CSV, formula
injection, a 1 MB cell, too many rows, a zip bomb — and hypothesis-driven ones (random and mutated
files, random cell text), through the shared reader (`supervision.imports`), both import actions and
the upload pages.
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from assessment import resources
from assessment.models import Score, ScoreImport
from supervision.actions import attendance_import
from supervision.imports import BadFile, Table, read_table
from supervision.models import AttendanceImport, SignIn
from tests.assessment.factories import open_year
from tests.factories import verify_two_factor
from tests.supervision.factories import with_unknown_zip_version

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SCORE_HEADERS = ["年度", "县（市、区）", "考核类别", "序号", "考核项目", "分值", "得分", "评分说明"]
FORMULAS = ["=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def year(org, admin_user):
    return open_year(admin_user, org.city, 2026)


def workbook_bytes(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def score_rows(points="10", comment="说明"):
    return [[2026, "卫辉市", "基础管理", 1, "文明创建", None, points, comment]]


def sign_in_rows(name, when="2026-11-02 08:00"):
    return [[name, when]]


def zip_bomb(unpacked_mb: int = 300) -> bytes:
    """A workbook-shaped zip (~300 KB) whose sheet unpacks to `unpacked_mb` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = b"0" * (1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


def nothing_written() -> bool:
    return not SignIn.objects.exists() and not Score.objects.filter(points__isnull=False).exists()


def preview_both(year, org, assessor, head, content: bytes, name: str) -> tuple[ScoreImport, AttendanceImport]:
    """Run both imports' preview on the same file, then try to apply; return the stored imports."""
    score_import = resources.import_preview(year, SimpleUploadedFile(name, content), acting_user=assessor)
    sign_in_import = attendance_import.preview(org.weihui, SimpleUploadedFile(name, content), acting_user=head)
    for record, apply, user in (
        (score_import, resources.import_apply, assessor),
        (sign_in_import, attendance_import.apply, head),
    ):
        if record.status == "previewed":
            apply(record, acting_user=user)
    return score_import, sign_in_import


def file_error(record) -> str:
    assert record.status == "refused"
    assert record.errors and record.errors[0]["row"] is None, record.errors
    return record.errors[0]["messages"][0]


class TestMalformedFiles:
    def test_random_bytes_as_xlsx_and_csv(self, year, org, assessor, head_weihui):
        noise = bytes(range(256)) * 8
        for name in ("评分.xlsx", "评分.csv"):
            for record in preview_both(year, org, assessor, head_weihui, noise, name):
                assert file_error(record)
        assert nothing_written()

    def test_a_truncated_workbook(self, year, org, assessor, head_weihui):
        content = workbook_bytes(SCORE_HEADERS, score_rows() * 50)
        for cut in (len(content) // 2, len(content) - 30, 100):
            for record in preview_both(year, org, assessor, head_weihui, content[:cut], "评分.xlsx"):
                assert "损坏或不完整" in file_error(record) or "无法读取" in file_error(record)
        assert nothing_written()

    def test_a_workbook_of_an_unknown_zip_version(self, year, org, assessor, head_weihui):
        content = with_unknown_zip_version(workbook_bytes(SCORE_HEADERS, score_rows()))
        for record in preview_both(year, org, assessor, head_weihui, content, "评分.xlsx"):
            assert "损坏或不完整" in file_error(record)
        assert nothing_written()

    def test_a_workbook_called_csv_and_a_csv_called_xlsx(self, year, org, assessor, head_weihui):
        workbook = workbook_bytes(SCORE_HEADERS, score_rows())
        for record in preview_both(year, org, assessor, head_weihui, workbook, "评分.csv"):
            assert file_error(record)
        text = "姓名,签到时间\n张三,2026-11-02 08:00\n".encode()
        for record in preview_both(year, org, assessor, head_weihui, text, "评分.xlsx"):
            assert "损坏" in file_error(record)
        assert nothing_written()

    def test_csv_in_an_unknown_encoding(self, year, org, assessor, head_weihui):
        content = "姓名,签到时间\n".encode() + b"\x80\xff\xfe\x81\x30\n"
        for record in preview_both(year, org, assessor, head_weihui, content, "评分.csv"):
            assert "无法识别 CSV 文件的编码" in file_error(record)
        assert nothing_written()

    def test_the_upload_forms_refuse_wrong_extensions_and_content(self, client, org, assessor, head_weihui, year):
        pages = [
            (assessor, reverse("assessment:import_upload", args=[2026])),
            (head_weihui, reverse("attendance:import_upload", args=[org.weihui.pk])),
        ]
        cases = [
            ("评分.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "只接受 .xlsx 或 .csv 文件"),
            ("评分.exe", b"MZ\x90\x00", "只接受 .xlsx 或 .csv 文件"),
            ("评分.xlsx", b"not a zip at all", "不是 Excel 工作簿"),
            ("评分.csv", b"a,b\x00\x00\x00", "不是文本格式的 CSV"),
            ("评分.csv", b"", "空"),
        ]
        for user, url in pages:
            client.force_login(user)
            for name, content, message in cases:
                response = client.post(url, {"file": SimpleUploadedFile(name, content)})
                assert response.status_code == 400, (url, name)
                assert message in response.content.decode(), (url, name)
        assert not ScoreImport.objects.exists() and not AttendanceImport.objects.exists()


class TestZipBomb:
    def test_refused_from_the_directory_without_decompressing(self, year, org, assessor, head_weihui, bomb):
        assert len(bomb) < 1024 * 1024  # a small upload...
        with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
            assert sum(m.file_size for m in archive.infolist()) >= 300 * 1024 * 1024  # ...declaring 300 MB
        tracemalloc.start()
        start = time.perf_counter()
        with pytest.raises(BadFile, match="疑似压缩炸弹"):
            read_table(bomb, "炸弹.xlsx")
        elapsed = time.perf_counter() - start
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < 1 and peak < 10 * 1024 * 1024, (elapsed, peak)  # never inflated
        for record in preview_both(year, org, assessor, head_weihui, bomb, "炸弹.xlsx"):
            assert "疑似压缩炸弹" in file_error(record)
        assert nothing_written()

    def test_through_the_pages_a_message_not_a_500(self, client, org, head_weihui, bomb):
        client.force_login(head_weihui)
        response = client.post(
            reverse("attendance:import_upload", args=[org.weihui.pk]),
            {"file": SimpleUploadedFile("炸弹.xlsx", bomb)},
            follow=True,
        )
        assert response.status_code == 200 and "疑似压缩炸弹" in response.content.decode()
        assert AttendanceImport.objects.get().status == "refused" and not SignIn.objects.exists()

    def test_a_high_ratio_member_under_the_total_limit(self):
        with override_settings(IMPORT_MAX_UNPACKED_BYTES=1024**3), pytest.raises(BadFile, match="疑似压缩炸弹"):
            read_table(zip_bomb(20), "炸弹.xlsx")


class TestFormulaInjection:
    def test_formula_text_in_a_score_comment_is_stored_inert_and_exported_quoted(self, client, year, assessor):
        for formula in FORMULAS:
            upload = SimpleUploadedFile("评分.xlsx", workbook_bytes(SCORE_HEADERS, score_rows("10", formula)))
            score_import = resources.import_preview(year, upload, acting_user=assessor)
            assert score_import.errors == []
            resources.import_apply(score_import, acting_user=assessor)
            score = Score.objects.get(points__isnull=False)
            assert (score.points, score.comment) == (Decimal("10.00"), formula)  # as text, never evaluated
            client.force_login(assessor)
            sheet = client.get(reverse("assessment:import_template", args=[2026]))
            cells = [
                c for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True) for c in row
            ]
            assert formula not in cells and f"'{formula}" in cells  # the export neutralises it again
            Score.objects.update(points=None, comment="")

    def test_a_real_formula_cell_is_read_as_text_never_computed(self, year, assessor):
        upload = SimpleUploadedFile("评分.xlsx", workbook_bytes(SCORE_HEADERS, score_rows("=10+5", "说明")))
        score_import = resources.import_preview(year, upload, acting_user=assessor)
        assert "“=10+5”不是有效的数字" in score_import.errors[0]["messages"][0]
        assert score_import.status == "refused" and nothing_written()

    def test_formula_names_in_an_attendance_file_are_row_errors_shown_as_text(self, client, org, head_weihui):
        content = workbook_bytes(["姓名", "签到时间"], [[f, "2026-11-02 08:00"] for f in FORMULAS])
        client.force_login(head_weihui)
        response = client.post(
            reverse("attendance:import_upload", args=[org.weihui.pk]),
            {"file": SimpleUploadedFile("考勤.xlsx", content)},
            follow=True,
        )
        record = AttendanceImport.objects.get()
        assert [e["row"] for e in record.errors] == [2, 3, 4, 5]
        assert "本单位没有名为“=cmd|&#x27; /C calc&#x27;!A0”的人员" in response.content.decode()
        assert not SignIn.objects.exists()


class TestSizeLimits:
    def test_a_one_megabyte_cell(self, year, org, assessor, head_weihui):
        huge = "考" * (1024 * 1024)
        workbook = workbook_bytes(SCORE_HEADERS, score_rows("10", huge))
        text = ("姓名,签到时间\n" + huge + ",2026-11-02 08:00\n").encode()
        for content, name in ((workbook, "评分.xlsx"), (text, "评分.csv")):
            for record in preview_both(year, org, assessor, head_weihui, content, name):
                message = file_error(record)
                assert "超过2000个字符" in message or "疑似压缩炸弹" in message, message
        assert nothing_written()

    @override_settings(IMPORT_MAX_ROWS=50)
    def test_too_many_rows(self, year, org, assessor, head_weihui):
        for content, name in (
            (workbook_bytes(SCORE_HEADERS, score_rows() * 51), "评分.xlsx"),
            (("姓名,签到时间\n" + "张三,2026-11-02 08:00\n" * 51).encode(), "评分.csv"),
        ):
            for record in preview_both(year, org, assessor, head_weihui, content, name):
                assert "数据行数超过每次导入的上限50行" in file_error(record)
        assert nothing_written()

    @override_settings(IMPORT_MAX_BYTES=1024)
    def test_too_big_a_file(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = client.post(
            reverse("attendance:import_upload", args=[org.weihui.pk]),
            {"file": SimpleUploadedFile("考勤.csv", b"a" * 2048)},
        )
        assert response.status_code == 400 and "文件超过1.0" in response.content.decode()


# Hypothesis: whatever the bytes, a Table or BadFile, never anything else.


def timeless(content: bytes) -> bytes:
    """The workbook with its save times fixed, so a mutation at a given offset hits the same byte every run."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(member.filename, (2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


workbook_seed = timeless(workbook_bytes(SCORE_HEADERS, score_rows() * 5))


@settings(max_examples=150, deadline=None)
@given(content=st.binary(max_size=3000), extension=st.sampled_from([".xlsx", ".csv"]))
def test_any_bytes_read_as_a_table_or_refused(content, extension):
    try:
        table = read_table(content, "x" + extension)
    except BadFile as bad:
        assert bad.message
    else:
        assert isinstance(table, Table) and table.headers


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_mutated_workbook_reads_or_is_refused(data):
    content = bytearray(workbook_seed)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(content) - 1))
        content[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(content)))
    try:
        read_table(bytes(content[:cut] if data.draw(st.booleans()) else content), "x.xlsx")
    except BadFile as bad:
        assert bad.message


cell = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=60),  # what a worksheet can hold
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([*FORMULAS, "<script>alert(1)</script>", "\u202e", "２０２６-１１-０２ ０８:００", "9" * 400]),
)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=8, max_size=8), min_size=1, max_size=6))
def test_random_score_cells_give_row_errors_never_exceptions(year, assessor, rows):
    content = workbook_bytes(SCORE_HEADERS, [[None if isinstance(v, float) and v != v else v for v in r] for r in rows])
    score_import = resources.import_preview(year, SimpleUploadedFile("评分.xlsx", content), acting_user=assessor)
    assert score_import.status in {"previewed", "refused"}
    assert all(error["messages"] and all(error["messages"]) for error in score_import.errors)
    if score_import.status == "previewed" and score_import.changed_rows:
        resources.import_apply(score_import, acting_user=assessor)
        Score.objects.update(points=None, comment="", version=1)  # a clean slate for the next example


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=2, max_size=3), min_size=1, max_size=6))
def test_random_attendance_cells_give_row_errors_never_exceptions(org, head_weihui, rows):
    lines = ["姓名,签到时间"] + [",".join('"' + str(v).replace('"', '""') + '"' for v in row) for row in rows]
    upload = SimpleUploadedFile("考勤.csv", "\n".join(lines).encode())
    record = attendance_import.preview(org.weihui, upload, acting_user=head_weihui)
    assert record.status in {"previewed", "refused"}
    assert all(error["messages"] and all(error["messages"]) for error in record.errors)
    assert not SignIn.objects.exists()


def test_a_system_admin_sees_the_same_refusals(client, year, admin_user):
    verify_two_factor(client, admin_user)
    response = client.post(
        reverse("assessment:import_upload", args=[2026]),
        {"file": SimpleUploadedFile("评分.xlsx", zip_bomb(150))},
        follow=True,
    )
    assert response.status_code == 200 and "疑似压缩炸弹" in response.content.decode()
    assert nothing_written()
