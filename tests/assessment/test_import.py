"""Import of scores from Excel/CSV: preview every change, row-level errors, all or nothing, history."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessment import actions, resources
from assessment.models import Score, ScoreImport, Track
from tests.assessment.factories import fill_track, scores_of
from tests.factories import verify_two_factor

pytestmark = pytest.mark.django_db

HEADERS = ["年度", "县（市、区）", "考核类别", "序号", "考核项目", "分值", "得分", "评分说明"]


def xlsx(rows, headers=HEADERS, name="评分.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def basic_rows(county="卫辉市", points=(14, 24, 19, 14.5, 9, 13)):
    names = ["文明创建", "优质服务", "廉政建设", "政治业务学习", "信息宣传", "公共管理"]
    return [
        [2026, county, "基础管理", i + 1, n, None, p, f"{n}：导入"]
        for i, (n, p) in enumerate(zip(names, points, strict=True))
    ]


def points_of(assessment, track=Track.BASIC):
    return [s.points for s in scores_of(assessment, track)]


class TestImport:
    def test_a_good_file_updates_exactly_the_right_scores(
        self, org, year, assessor, weihui_assessment, huixian_assessment
    ):
        other_before = points_of(huixian_assessment)
        upload = xlsx(basic_rows())
        score_import = resources.import_preview(year, upload, acting_user=assessor)
        assert score_import.status == ScoreImport.Status.PREVIEWED
        assert score_import.errors == []
        assert score_import.changed_rows == 6 and len(score_import.preview) == 6
        first = score_import.preview[0]
        assert (first["county"], first["item"], first["old_points"], first["new_points"]) == (
            "卫辉市",
            "文明创建",
            "",
            "14.00",
        )
        assert points_of(weihui_assessment) == [None] * 6  # the preview wrote nothing

        outcome = resources.import_apply(score_import, acting_user=assessor)
        assert (outcome.applied, outcome.errors) == (6, [])
        assert points_of(weihui_assessment) == [Decimal(p) for p in ("14", "24", "19", "14.5", "9", "13")]
        assert points_of(weihui_assessment, Track.TARGET) == [None] * 8
        assert points_of(huixian_assessment) == other_before
        score = scores_of(weihui_assessment, Track.BASIC)[3]
        assert score.comment == "政治业务学习：导入" and score.scored_by == assessor
        record = score.history.first()
        assert record.history_change_reason == "Excel导入：评分.xlsx" and record.history_user == assessor
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.basic_total == Decimal("93.50")
        score_import.refresh_from_db()
        assert score_import.status == ScoreImport.Status.APPLIED

    def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row(self, year, assessor, weihui_assessment):
        rows = basic_rows()
        rows[2][6] = 25  # 廉政建设 is worth 20: sheet row 4
        score_import = resources.import_preview(year, xlsx(rows), acting_user=assessor)
        assert score_import.status == ScoreImport.Status.REFUSED
        assert [e["row"] for e in score_import.errors] == [4]
        assert "得分须在0至20.00分之间" in score_import.errors[0]["messages"][0]
        assert points_of(weihui_assessment) == [None] * 6
        assert not Score.objects.filter(points__isnull=False).exists()

    def test_apply_is_all_or_nothing_when_data_changed_since_the_preview(
        self, year, assessor, admin_user, weihui_assessment
    ):
        score_import = resources.import_preview(year, xlsx(basic_rows()), acting_user=assessor)
        changed = scores_of(weihui_assessment, Track.BASIC)[5]
        actions.score_set(changed, acting_user=admin_user, points="12", comment="他人先改")
        outcome = resources.import_apply(score_import, acting_user=assessor)
        assert outcome.applied == 0 and outcome.errors[0]["row"] == 7
        assert "已被他人修改" in outcome.errors[0]["messages"][0]
        assert points_of(weihui_assessment) == [None] * 5 + [Decimal("12.00")]  # the five good rows were rolled back
        score_import.refresh_from_db()
        assert score_import.status == ScoreImport.Status.REFUSED

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({1: "不存在县"}, "找不到“不存在县”的基础管理项目“文明创建”"),
            ({2: "其他管理"}, "考核类别“其他管理”应为“基础管理”或“目标管理”"),
            ({6: "十二"}, "不是有效的数字"),
            ({0: 2025}, "年度为2025，不是2026年度"),
        ],
    )
    def test_row_errors_say_what_is_wrong(self, year, assessor, change, message):
        rows = basic_rows()
        for column, value in change.items():
            rows[0][column] = value
        score_import = resources.import_preview(year, xlsx(rows), acting_user=assessor)
        assert score_import.errors[0]["row"] == 2
        assert message in " ".join(score_import.errors[0]["messages"])

    def test_rows_the_user_may_not_score_are_errors(self, year, team_member, weihui_assessment):
        score_import = resources.import_preview(year, xlsx(basic_rows()), acting_user=team_member)
        assert len(score_import.errors) == 6
        assert "您无权评定卫辉市的基础管理" in score_import.errors[0]["messages"][0]

    def test_locked_tracks_and_duplicate_rows_are_errors(self, year, assessor, weihui_assessment):
        fill_track(weihui_assessment, Track.BASIC, assessor)
        rows = basic_rows()
        score_import = resources.import_preview(year, xlsx(rows), acting_user=assessor)
        assert "已提交" in score_import.errors[0]["messages"][0]
        duplicate = basic_rows("辉县市")
        duplicate.append(list(duplicate[0]))
        score_import = resources.import_preview(year, xlsx(duplicate), acting_user=assessor)
        assert score_import.errors[-1]["row"] == 8 and "与第2行重复" in score_import.errors[-1]["messages"][0]

    def test_unchanged_and_blank_rows_are_skipped(self, year, assessor, weihui_assessment):
        rows = basic_rows()
        resources.import_apply(resources.import_preview(year, xlsx(rows), acting_user=assessor), acting_user=assessor)
        rows[0][6] = 13
        rows[1][6] = None  # blank points: leave as is
        rows.insert(2, [None] * 8)
        score_import = resources.import_preview(year, xlsx(rows), acting_user=assessor)
        assert score_import.errors == [] and score_import.changed_rows == 1
        assert [r["changed"] for r in score_import.preview] == [True] + [False] * 5  # the blank row is not listed

    def test_missing_columns_refuse_the_file(self, year, assessor):
        score_import = resources.import_preview(
            year, xlsx([["卫辉市", 1]], headers=["县（市、区）", "分数"]), acting_user=assessor
        )
        assert score_import.status == ScoreImport.Status.REFUSED
        assert "缺少列：考核类别、考核项目、得分" in score_import.errors[0]["messages"][0]

    def test_gbk_csv_from_excel_is_read(self, year, assessor, weihui_assessment):
        lines = [",".join(HEADERS)] + [",".join("" if v is None else str(v) for v in row) for row in basic_rows()]
        upload = SimpleUploadedFile("评分.csv", "\r\n".join(lines).encode("gb18030"))
        score_import = resources.import_preview(year, upload, acting_user=assessor)
        assert score_import.errors == [] and score_import.changed_rows == 6


class TestImportPages:
    def test_template_round_trip_through_the_pages(self, client, year, assessor, weihui_assessment):
        client.force_login(assessor)
        template = client.get(reverse("assessment:import_template", args=[2026]))
        workbook = load_workbook(io.BytesIO(template.content))
        sheet = workbook.active
        assert [c.value for c in sheet[1]][:7] == [*HEADERS[:5], "分值", "得分"]
        for row in sheet.iter_rows(min_row=2):
            if row[1].value == "卫辉市" and row[2].value == "基础管理":
                row[6].value = float(row[5].value) - 1
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = client.post(
            reverse("assessment:import_upload", args=[2026]),
            {"file": SimpleUploadedFile("模板.xlsx", buffer.getvalue())},
        )
        score_import = ScoreImport.objects.get()
        assert response["Location"] == reverse("assessment:import_preview", args=[2026, score_import.pk])
        body = client.get(response["Location"]).content.decode()
        assert "确认导入 6 项修改" in body and "14.00" in body
        client.post(reverse("assessment:import_apply", args=[2026, score_import.pk]))
        assert points_of(weihui_assessment)[0] == Decimal("14.00")
        response = client.post(reverse("assessment:import_apply", args=[2026, score_import.pk]), follow=True)
        assert "已处理" in response.content.decode()

    def test_wrong_file_type_is_refused_with_a_message(self, client, year, assessor):
        client.force_login(assessor)
        response = client.post(
            reverse("assessment:import_upload", args=[2026]),
            {"file": SimpleUploadedFile("评分.xlsx", b"not a workbook")},
        )
        assert response.status_code == 400 and "不是 Excel 工作簿" in response.content.decode()
        assert not ScoreImport.objects.exists()

    def test_someone_elses_import_is_404_and_head_may_not_import(self, client, year, assessor, admin_user, head_weihui):
        score_import = resources.import_preview(year, xlsx(basic_rows()), acting_user=assessor)
        verify_two_factor(client, admin_user)
        assert client.get(reverse("assessment:import_preview", args=[2026, score_import.pk])).status_code == 404
        assert client.post(reverse("assessment:import_apply", args=[2026, score_import.pk])).status_code == 404
        client.force_login(head_weihui)
        assert client.get(reverse("assessment:import_upload", args=[2026])).status_code == 403
