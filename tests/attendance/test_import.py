"""Importing an attendance machine's sign-in records: preview, all or nothing, history, big files by Celery."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from openpyxl import Workbook

from supervision.actions import attendance_import as imports
from supervision.models import AttendanceImport, Person, SignIn
from tests.attendance.factories import at, sign_in_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files are written under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def past(days: int) -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=days)


def csv_file(lines: list[str], name: str = "考勤机.csv", header: str = "姓名,签到时间", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, ("\n".join([header, *lines]) + "\n").encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[object]], headers=("姓名", "签到时间"), name: str = "考勤机.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def staff_people(agency, count: int) -> list[Person]:
    return Person.objects.bulk_create(
        [Person(name=f"员工{index:04d}", agency=agency, position=Person.Position.STAFF) for index in range(count)]
    )


def big_sheet(people: list[Person], rows: int) -> list[list[object]]:
    """`rows` sign-ins: every person once a day, going back day by day."""
    out: list[list[object]] = []
    day = 1
    while len(out) < rows:
        moment = datetime.datetime.combine(past(day), datetime.time(8, 15))
        for person in people:
            out.append([person.name, moment])
            if len(out) == rows:
                break
        day += 1
    return out


class TestPreviewAndApply:
    def test_a_good_file_previews_then_creates_sign_ins_with_history(self, org, head_weihui, staff_weihui):
        day = past(3)
        upload = csv_file([f"{staff_weihui.person.name},{day} 08:21"])
        record = imports.preview(org.weihui, upload, acting_user=head_weihui)
        assert record.status == AttendanceImport.Status.PREVIEWED
        assert (record.total_rows, record.new_count, record.present_count, record.errors) == (1, 1, 0, [])
        assert record.preview["create"][0] == {
            "row": 2,
            "name": staff_weihui.person.name,
            "date": f"{day}",
            "time": "08:21:00",
            "note": "",
        }
        assert not SignIn.objects.exists()  # the preview wrote nothing

        outcome = imports.apply(record, acting_user=head_weihui)
        assert (outcome.created, outcome.errors) == (1, [])
        sign_in = SignIn.objects.get()
        assert (sign_in.person, sign_in.agency, sign_in.date) == (staff_weihui.person, org.weihui, day)
        assert sign_in.signed_at == at(day, 8, 21) and sign_in.imported_from == record
        history = sign_in.history.get()
        assert history.history_type == "+" and history.history_user == head_weihui
        assert history.history_change_reason == "考勤机记录导入：考勤机.csv"
        record.refresh_from_db()
        assert record.status == AttendanceImport.Status.APPLIED and record.created_count == 1
        with pytest.raises(Exception, match="已处理"):
            imports.apply(record, acting_user=head_weihui)

    def test_repeated_punches_and_existing_sign_ins_are_reported_not_created(self, org, head_weihui, staff_weihui):
        name = staff_weihui.person.name
        head = head_weihui.person.name
        first, second = past(5), past(4)
        sign_in_at(staff_weihui, at(second, 8, 0))  # signed in in the browser that day
        upload = xlsx_file(
            [
                [name, datetime.datetime.combine(first, datetime.time(17, 30))],
                [name, datetime.datetime.combine(first, datetime.time(8, 5))],  # earlier: this one counts
                [name, f"{second} 08:40"],
                [head, f"{first} 07:59:30"],
                [None, None],
            ]
        )
        record = imports.preview(org.weihui, upload, acting_user=head_weihui)
        assert record.errors == [] and (record.total_rows, record.new_count, record.present_count) == (4, 2, 2)
        notes = {row["row"]: row["note"] for row in record.preview["present"]}
        assert "同一天已有更早的打卡记录（第3行）" in notes[2]
        assert "当天已有签到记录（08:00）" in notes[4]
        imports.apply(record, acting_user=head_weihui)
        mine = SignIn.objects.get(person=staff_weihui.person, date=first)
        assert mine.signed_at == at(first, 8, 5)
        assert SignIn.objects.get(person=staff_weihui.person, date=second).imported_from is None
        assert SignIn.history.filter(history_type="+", imported_from=record).count() == 2

    def test_separate_date_and_time_columns_and_gbk_csv(self, org, head_weihui, staff_weihui):
        day = past(2)
        lines = [
            f"{staff_weihui.person.name},{day:%Y/%m/%d},8:03",
            f"{head_weihui.person.name},{day:%Y年%m月%d日},07：58",
        ]
        upload = csv_file(lines, header="姓名,日期,时间,部门", encoding="gbk")
        record = imports.preview(org.weihui, upload, acting_user=head_weihui)
        assert record.errors == [] and record.new_count == 2

    def test_every_bad_row_is_named_and_nothing_is_written(self, org, head_weihui, staff_weihui, head_huixian):
        Person.objects.create(name="王芳", agency=org.weihui)
        Person.objects.create(name="王芳", agency=org.weihui)
        tomorrow = datetime.date.today() + datetime.timedelta(days=2)
        good = f"{staff_weihui.person.name},{past(3)} 08:00"
        lines = [
            good,
            f"张三,{past(3)} 08:00",
            f"王芳,{past(3)} 08:00",
            f"{head_huixian.person.name},{past(3)} 08:00",
            f"{staff_weihui.person.name},昨天早上",
            f"{staff_weihui.person.name},{tomorrow} 08:00",
            f",{past(3)} 08:00",
            f"{staff_weihui.person.name},0001-01-01 08:00",
        ]
        record = imports.preview(org.weihui, csv_file(lines), acting_user=head_weihui)
        assert record.status == AttendanceImport.Status.REFUSED
        messages = {error["row"]: error["messages"][0] for error in record.errors}
        assert sorted(messages) == [3, 4, 5, 6, 7, 8, 9]
        assert messages[3] == "本单位没有名为“张三”的人员。"
        assert "有2名人员名为“王芳”，无法区分" in messages[4]
        assert "本单位没有名为" in messages[5]  # another county's head is not this agency's
        assert "签到时间“昨天早上”无法识别" in messages[6]
        assert "晚于现在" in messages[7]
        assert messages[8] == "姓名为空。"
        assert messages[9] == "签到日期0001-01-01过早，请核对。"
        with pytest.raises(Exception, match="已处理"):
            imports.apply(record, acting_user=head_weihui)
        assert not SignIn.objects.exists()

    def test_missing_columns_refuse_the_file(self, org, head_weihui):
        record = imports.preview(org.weihui, csv_file(["某人,8:00"], header="姓名,时间"), acting_user=head_weihui)
        assert record.status == AttendanceImport.Status.REFUSED
        assert "缺少列" in record.errors[0]["messages"][0] and record.errors[0]["row"] is None

    def test_a_browser_sign_in_after_the_preview_is_left_alone(self, org, head_weihui, staff_weihui):
        day = past(3)
        record = imports.preview(
            org.weihui, csv_file([f"{staff_weihui.person.name},{day} 08:30"]), acting_user=head_weihui
        )
        sign_in_at(staff_weihui, at(day, 8, 10))
        outcome = imports.apply(record, acting_user=head_weihui)
        assert outcome.created == 0 and SignIn.objects.get().signed_at == at(day, 8, 10)

    def test_only_the_uploader_applies_and_only_overseers_import(self, org, head_weihui, office, staff_weihui):
        with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
            imports.preview(org.weihui, csv_file([]), acting_user=staff_weihui)
        record = imports.preview(
            org.weihui, csv_file([f"{staff_weihui.person.name},{past(3)} 08:30"]), acting_user=office
        )
        with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
            imports.apply(record, acting_user=head_weihui)
        assert imports.apply(record, acting_user=office).created == 1


def _post_file(client, agency, upload):
    return client.post(reverse("attendance:import_upload", args=[agency.pk]), {"file": upload})


class TestPages:
    def test_upload_preview_apply_through_the_pages(self, client, org, personnel, staff_weihui):
        client.force_login(personnel)
        month = client.get(reverse("attendance:agency_month", args=[org.weihui.pk]))
        assert reverse("attendance:import_upload", args=[org.weihui.pk]) in month.content.decode()
        assert client.get(reverse("attendance:import_upload", args=[org.weihui.pk])).status_code == 200
        response = _post_file(client, org.weihui, csv_file([f"{staff_weihui.person.name},{past(3)} 08:30"]))
        record = AttendanceImport.objects.get()
        assert response.status_code == 302 and response.url == reverse("attendance:import_preview", args=[record.pk])
        page = client.get(response.url).content.decode()
        assert staff_weihui.person.name in page and "确认导入 1 条签到" in page
        applied = client.post(reverse("attendance:import_apply", args=[record.pk]), follow=True)
        assert "已导入1条签到记录" in applied.content.decode()
        assert SignIn.objects.count() == 1

    def test_errors_are_shown_with_row_numbers(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = _post_file(client, org.weihui, csv_file([f"<b>张三</b>,{past(3)} 08:30"]))
        page = client.get(response.url).content.decode()
        assert "第2行" in page and "&lt;b&gt;张三&lt;/b&gt;" in page and "<b>张三" not in page

    def test_a_wrong_extension_is_refused_by_the_form(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = _post_file(client, org.weihui, SimpleUploadedFile("考勤.txt", b"a,b\n"))
        assert response.status_code == 400 and "只接受 .xlsx 或 .csv 文件" in response.content.decode()
        assert not AttendanceImport.objects.exists()

    def test_template_download(self, client, org, head_weihui, staff_weihui):
        client.force_login(head_weihui)
        response = client.get(reverse("attendance:import_template", args=[org.weihui.pk]))
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        upload = SimpleUploadedFile("模板.xlsx", response.content)
        record = imports.preview(org.weihui, upload, acting_user=head_weihui)
        assert record.errors == [] and record.new_count == 2  # the head and the staff member, yesterday 08:30

    def test_denials(self, client, org, head_weihui, head_huixian, staff_weihui):
        record = imports.preview(
            org.weihui, csv_file([f"{staff_weihui.person.name},{past(3)} 08:30"]), acting_user=head_weihui
        )
        client.force_login(staff_weihui)
        assert client.get(reverse("attendance:import_upload", args=[org.weihui.pk])).status_code == 403
        assert client.get(reverse("attendance:import_preview", args=[record.pk])).status_code == 403
        client.force_login(head_huixian)
        assert client.get(reverse("attendance:import_upload", args=[org.weihui.pk])).status_code == 404
        assert client.post(reverse("attendance:import_apply", args=[record.pk])).status_code == 404
        client.force_login(head_weihui)
        assert client.get(reverse("attendance:import_apply", args=[record.pk])).status_code == 405
        assert client.get(reverse("attendance:import_cancel", args=[record.pk])).status_code == 405
        client.post(reverse("attendance:import_cancel", args=[record.pk]))
        record.refresh_from_db()
        assert record.status == AttendanceImport.Status.CANCELLED and not SignIn.objects.exists()


def _queries(agency, user, rows: list[list[object]]) -> tuple[int, int]:
    imports.may_import(user, agency)  # the user's roles and person are cached on the user: warm them
    with CaptureQueriesContext(connection) as previewing:
        record = imports.preview(agency, xlsx_file(rows), acting_user=user)
    assert record.errors == [] and record.new_count == len(rows)
    with CaptureQueriesContext(connection) as applying:
        imports.apply(record, acting_user=user)
    return len(previewing), len(applying)


class TestScale:
    def test_the_same_queries_for_30_and_900_rows(self, org, head_weihui):
        rows = big_sheet(staff_people(org.weihui, 60), 930)
        small = _queries(org.weihui, head_weihui, rows[:30])
        large = _queries(org.weihui, head_weihui, rows[30:])
        assert small == large
        assert SignIn.objects.count() == 930 and SignIn.history.count() == 930

    def test_queries_grow_by_batches_only(self, org, head_weihui):
        people = staff_people(org.weihui, 100)
        rows = big_sheet(people, 2500)
        _preview, apply_small = _queries(org.weihui, head_weihui, rows[:500])
        _preview, apply_large = _queries(org.weihui, head_weihui, rows[500:])
        # 2,000 rows are two batches, 500 one: one more batch of sign-ins and one of their history rows.
        assert apply_large - apply_small == 2


@pytest.mark.django_db(transaction=True)
@override_settings(ATTENDANCE_IMPORT_SYNC_ROWS=5)
def test_a_big_file_is_applied_by_a_worker_and_the_page_shows_it(celery_worker, client, org, head_weihui):
    people = staff_people(org.weihui, 10)
    client.force_login(head_weihui)
    response = _post_file(client, org.weihui, xlsx_file(big_sheet(people, 30)))
    record = AttendanceImport.objects.get()
    assert record.new_count == 30
    client.post(reverse("attendance:import_apply", args=[record.pk]))
    page = client.get(response.url).content.decode()
    deadline = time.monotonic() + 30
    while AttendanceImport.objects.get().status == AttendanceImport.Status.QUEUED and time.monotonic() < deadline:
        time.sleep(0.2)
    record.refresh_from_db()
    assert record.status == AttendanceImport.Status.APPLIED, record.errors
    assert SignIn.objects.count() == 30 and SignIn.history.count() == 30
    assert "后台" in page or "已导入" in page
    fragment = client.get(response.url, headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    assert "已导入" in client.get(response.url).content.decode()


def test_a_queued_import_whose_file_is_gone_is_refused_not_left_queued(org, head_weihui, staff_weihui):
    record = imports.preview(
        org.weihui, csv_file([f"{staff_weihui.person.name},{past(3)} 08:30"]), acting_user=head_weihui
    )
    AttendanceImport.objects.filter(pk=record.pk).update(status=AttendanceImport.Status.QUEUED)
    record.file.storage.delete(record.file.name)  # storage lost the upload between queueing and the worker
    assert imports.apply_queued(record.pk).created == 0
    record.refresh_from_db()
    assert record.status == AttendanceImport.Status.REFUSED and "后台导入出错" in record.errors[0]["messages"][0]
    assert not SignIn.objects.exists()
    assert imports.apply_queued(record.pk) is None  # a redelivered task does nothing
