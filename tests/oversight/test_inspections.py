"""第十五条: fund inspections and their measures — materials and seal register, inquiries, orders,
handling decisions — with numbered PDF documents."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from supervision.actions import oversight as actions
from supervision.models import (
    Attachment,
    CorrectionOrder,
    Finding,
    FundInspection,
    HandlingDecision,
    Inquiry,
    InspectionMaterial,
    MaterialSeal,
)
from supervision.models.findings import local_today
from supervision.workflow import TransitionNotAllowed
from tests.factories import AgencyFactory, DivisionFactory, make_user
from tests.oversight.factories import conclude, open_inspection, register_material
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db

Status = InspectionMaterial.Status


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True)
    return re.sub(r"\s+", "", text.stdout)


def document_bytes(record) -> bytes:
    document = actions.document_of(record)
    with document.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def inspection(org, inspector):
    return open_inspection(inspector, [org.weihui, org.huixian])


def decide(inspection, user, agency, decided_on=None) -> HandlingDecision:
    return actions.decision_issue(
        inspection,
        acting_user=user,
        agency=agency,
        facts="未经审批划转支出户资金12,000元。",
        basis="第十五条",
        decision="责令完善基金支出审批制度。",
        decided_on=decided_on or local_today(),
    )


class TestSealRegister:
    def test_a_material_cannot_be_released_before_it_was_sealed(self, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui)
        assert material.status == Status.REGISTERED
        with pytest.raises(TransitionNotAllowed, match="尚未封存"):
            actions.material_release(material, acting_user=inspector, released_on=local_today(), reason="x")
        material.refresh_from_db()
        assert material.status == Status.REGISTERED
        assert not MaterialSeal.objects.exists()

    def test_nor_released_on_a_date_before_the_seal(self, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui, seal=True)
        seal = material.seals.get()
        with pytest.raises(TransitionNotAllowed, match="不能早于封存日期"):
            actions.material_release(
                material,
                acting_user=inspector,
                released_on=seal.sealed_on - datetime.timedelta(days=1),
                reason="x",
            )
        seal.refresh_from_db()
        assert seal.released_on is None
        material.refresh_from_db()
        assert material.status == Status.SEALED

    def test_the_database_refuses_a_release_before_the_seal_too(self, org, inspector, inspection):
        from django.db import IntegrityError, transaction

        material = register_material(inspection, inspector, org.weihui, seal=True)
        seal = material.seals.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            MaterialSeal.objects.filter(pk=seal.pk).update(released_on=seal.sealed_on - datetime.timedelta(days=1))

    def test_released_materials_keep_their_history(self, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui, seal=True)
        sealed_on = material.seals.get().sealed_on
        released_on = sealed_on + datetime.timedelta(days=2)
        actions.material_release(material, acting_user=inspector, released_on=released_on, reason="核对完毕，返还")
        material.refresh_from_db()
        assert material.status == Status.RELEASED
        seal = material.seals.get()
        assert (seal.sealed_on, seal.released_on, seal.released_by, seal.release_reason) == (
            sealed_on,
            released_on,
            inspector,
            "核对完毕，返还",
        )
        # Sealed again later: a second entry; the first stays as it was.
        actions.material_seal(
            material, acting_user=inspector, seal_number="FC-2", place="机房", sealed_on=local_today()
        )
        assert list(material.seals.values_list("seal_number", "released_on")) == [
            (seal.seal_number, released_on),
            ("FC-2", None),
        ]
        statuses = list(material.history.order_by("history_date").values_list("status", flat=True))
        assert statuses == [Status.REGISTERED, Status.SEALED, Status.RELEASED, Status.SEALED]
        assert seal.history.count() == 2  # sealed, then released

    def test_a_sealed_material_cannot_be_sealed_twice_and_seal_numbers_are_unique(self, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui, seal=True)
        number = material.seals.get().seal_number
        with pytest.raises(TransitionNotAllowed):
            actions.material_seal(
                material, acting_user=inspector, seal_number="FC-9", place="x", sealed_on=local_today()
            )
        other = register_material(inspection, inspector, org.weihui, name="财务凭证")
        with pytest.raises(TransitionNotAllowed, match="已使用"):
            actions.material_seal(other, acting_user=inspector, seal_number=number, place="x", sealed_on=local_today())

    def test_an_inspection_with_sealed_material_cannot_be_cancelled(self, org, inspector, inspection):
        register_material(inspection, inspector, org.weihui, seal=True)
        with pytest.raises(TransitionNotAllowed, match="封存"):
            actions.inspection_cancel(inspection, acting_user=inspector, reason="误登记")

    def test_seal_and_release_in_place_with_htmx(self, client, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui)
        client.force_login(inspector)
        url = reverse("oversight:material_seal", args=[material.pk])
        assert client.get(url).status_code == 405
        response = client.post(
            url,
            {"seal_number": "FC-7", "place": "档案室", "sealed_on": local_today().isoformat()},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith(f'<tr id="material-{material.pk}"') and "FC-7" in body
        response = client.post(
            reverse("oversight:material_release", args=[material.pk]),
            {"released_on": (local_today() - datetime.timedelta(days=30)).isoformat(), "reason": "返还"},
            headers={"HX-Request": "true"},
        )
        assert "不能早于封存日期" in response.content.decode()
        material.refresh_from_db()
        assert material.status == Status.SEALED

    def test_without_htmx_a_refusal_is_a_message_and_nothing_is_written(self, client, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui)
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:material_release", args=[material.pk]),
            {"released_on": local_today().isoformat(), "reason": "返还"},
            follow=True,
        )
        assert "尚未封存" in response.content.decode()
        material.refresh_from_db()
        assert material.status == Status.REGISTERED

    def test_the_seal_register_exports_with_releases(self, client, org, inspector, inspection):
        material = register_material(inspection, inspector, org.weihui, seal=True)
        actions.material_release(material, acting_user=inspector, released_on=local_today(), reason="返还")
        client.force_login(inspector)
        response = client.get(reverse("oversight:seal_register", args=[inspection.pk]))
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
        assert len(rows) == 1 and rows[0][1] == "待遇发放审批台账" and rows[0][9] == "返还"


class TestDocumentNumbers:
    def test_orders_and_decisions_are_numbered_in_one_yearly_sequence_as_pdfs(
        self, org, inspector, inspection, tmp_path
    ):
        year = local_today().year
        order = actions.order_issue(
            inspection,
            acting_user=inspector,
            agency=org.weihui,
            conduct=CorrectionOrder.Conduct.MISAPPROPRIATING,
            facts="挪用支出户资金垫付办公经费。",
            requirements="立即划回支出户。",
            deadline=local_today() + datetime.timedelta(days=15),
            issued_on=local_today(),
        )
        decision = decide(inspection, inspector, org.weihui)
        last_year = decide(inspection, inspector, org.huixian, decided_on=inspection.started_on.replace(year=year - 1))
        assert order.number == f"新人社监〔{year}〕1号"
        assert decision.number == f"新人社监〔{year}〕2号"
        assert last_year.number == f"新人社监〔{year - 1}〕1号"
        order_text = pdf_text(document_bytes(order), tmp_path)
        assert "责令改正通知书" in order_text and f"新人社监〔{year}〕1号" in order_text
        assert "挪用社会保险基金" in order_text
        decision_text = pdf_text(document_bytes(decision), tmp_path)
        assert "处理决定书" in decision_text and f"新人社监〔{year}〕2号" in decision_text

    def test_an_order_is_tracked_as_a_finding_of_the_inspection(self, org, inspector, inspection, head_weihui):
        order = actions.order_issue(
            inspection,
            acting_user=inspector,
            agency=org.weihui,
            conduct=CorrectionOrder.Conduct.HIDING,
            facts="隐匿基金收入。",
            requirements="如实入账。",
            deadline=local_today() + datetime.timedelta(days=15),
            issued_on=local_today(),
        )
        finding = order.finding
        assert (finding.source, finding.source_record, finding.article) == (
            Finding.Source.FUND_INSPECTION,
            inspection,
            "第十五条（三）",
        )
        assert finding.suggestion == "如实入账。" and order.number in finding.source_label

    def test_the_prefix_comes_from_the_citys_settings(self, org, inspector, inspection):
        from supervision.models import OversightSettings

        OversightSettings.objects.create(city=org.city, document_prefix="新人社基监")
        assert decide(inspection, inspector, org.weihui).number.startswith("新人社基监〔")


@pytest.mark.django_db(transaction=True)
def test_document_numbers_are_unique_and_sequential_under_two_concurrent_transactions(org, inspector):
    inspection = open_inspection(inspector, [org.weihui, org.huixian])
    start = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def issue(agency) -> None:
        try:
            start.wait()
            numbers.append(decide(inspection, inspector, agency).number)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=issue, args=(agency,)) for agency in (org.weihui, org.huixian)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    year = local_today().year
    assert errors == []
    assert sorted(numbers) == [f"新人社监〔{year}〕1号", f"新人社监〔{year}〕2号"]
    assert sorted(HandlingDecision.objects.values_list("number", flat=True)) == sorted(numbers)
    for decision in HandlingDecision.objects.all():
        assert actions.document_of(decision) is not None


class TestMeasuresAndRights:
    def test_only_the_team_records_measures(self, org, inspector, inspection):
        colleague = make_user("colleague", ["inspector"], org.city_bureau)
        with pytest.raises(PermissionDenied):
            register_material(inspection, colleague, org.weihui)
        member = make_user("member", ["inspector"], org.city_bureau)
        inspection.members.add(member)
        assert register_material(inspection, member, org.weihui).registered_by == member

    def test_a_county_bureau_member_records_for_its_own_county_only(self, org, inspector, inspection, reviewer_weihui):
        inspection.members.add(reviewer_weihui)
        register_material(inspection, reviewer_weihui, org.weihui)
        with pytest.raises(PermissionDenied):
            register_material(inspection, reviewer_weihui, org.huixian)

    def test_measures_stop_when_the_inspection_ends_but_decisions_may_follow(self, org, inspector, inspection):
        conclude(inspection, inspector)
        with pytest.raises(TransitionNotAllowed):
            register_material(inspection, inspector, org.weihui)
        assert decide(inspection, inspector, org.weihui).number

    def test_inquiry_with_a_signed_statement_seen_only_by_inspectors(
        self, client, org, inspector, inspection, head_weihui
    ):
        asked = timezone.now() - datetime.timedelta(hours=3)
        inquiry = actions.inquiry_record(
            inspection,
            acting_user=inspector,
            agency=org.weihui,
            interviewee="赵会计",
            interviewee_unit="卫辉市社会保险中心",
            place="会议室",
            started_at=asked,
            ended_at=asked + datetime.timedelta(hours=1),
            inquirers="检查人员甲、乙",
            recorder="记录员",
            transcript="问：该笔划拨是否经审批？\n答：未审批。",
            files=[pdf_upload("询问笔录（签字）.pdf")],
        )
        statement = Attachment.objects.for_object(inquiry).get()
        client.force_login(inspector)
        assert "未审批" in client.get(reverse("oversight:inquiry_detail", args=[inquiry.pk])).content.decode()
        assert client.get(reverse("attachment_download", args=[statement.token])).status_code == 200
        client.force_login(head_weihui)
        assert client.get(reverse("oversight:inquiry_detail", args=[inquiry.pk])).status_code == 404
        assert client.get(reverse("attachment_download", args=[statement.token])).status_code == 404
        assert "赵会计" not in client.get(reverse("oversight:inspection_detail", args=[inspection.pk])).content.decode()

    def test_a_signed_statement_can_follow_the_record(self, client, org, inspector, inspection):
        asked = timezone.now() - datetime.timedelta(hours=3)
        inquiry = actions.inquiry_record(
            inspection, acting_user=inspector, agency=org.weihui, interviewee="钱出纳", interviewee_unit="卫辉市社会保险中心",
            place="会议室", started_at=asked, ended_at=asked, inquirers="甲、乙", recorder="丙", transcript="问答",
        )  # fmt: skip
        client.force_login(inspector)
        url = reverse("oversight:inquiry_statement", args=[inquiry.pk])
        assert client.post(url, {}).status_code == 400
        client.post(url, {"files": [pdf_upload("签字笔录.pdf")]})
        assert Attachment.objects.for_object(inquiry).get().original_name == "签字笔录.pdf"

    def test_county_head_reads_own_measures_only_and_records_nothing(
        self, client, org, inspector, inspection, head_weihui, head_huixian
    ):
        register_material(inspection, inspector, org.weihui, name="卫辉的材料")
        register_material(inspection, inspector, org.huixian, name="辉县的材料")
        client.force_login(head_weihui)
        body = client.get(reverse("oversight:inspection_detail", args=[inspection.pk])).content.decode()
        assert "卫辉的材料" in body and "辉县的材料" not in body
        assert client.get(reverse("oversight:material_new", args=[inspection.pk])).status_code == 403
        assert client.get(reverse("oversight:decision_new", args=[inspection.pk])).status_code == 403
        hongqi_only = open_inspection(inspector, [org.hongqi], title="红旗区检查")
        assert client.get(reverse("oversight:inspection_detail", args=[hongqi_only.pk])).status_code == 404
        material = hongqi_only.materials.create(
            agency=org.hongqi, name="x", quantity="1", handling="read", registered_by=inspector
        )
        response = client.post(reverse("oversight:material_seal", args=[material.pk]), {"seal_number": "1"})
        assert response.status_code == 404

    def test_decision_pdf_is_served_to_the_agency_and_nobody_else(
        self, client, org, inspector, inspection, head_weihui, head_huixian
    ):
        decision = decide(inspection, inspector, org.weihui)
        document = actions.document_of(decision)
        client.force_login(head_weihui)
        response = client.get(reverse("attachment_download", args=[document.token]))
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
        client.force_login(head_huixian)
        assert client.get(reverse("attachment_download", args=[document.token])).status_code == 404


class TestPages:
    def test_inspector_opens_an_inspection_and_records_measures_through_the_forms(self, client, org, inspector):
        member = make_user("member", ["inspector"], org.city_bureau)
        client.force_login(inspector)
        today = local_today()
        response = client.post(
            reverse("oversight:inspection_new"),
            {
                "title": "专项检查",
                "agencies": [org.weihui.pk],
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "started_on": today.isoformat(),
                "members": [member.pk],
                "scope": "基金支出",
            },
        )
        inspection = FundInspection.objects.get()
        assert response["Location"] == reverse("oversight:inspection_detail", args=[inspection.pk])
        assert list(inspection.members.all()) == [member] and inspection.leader == inspector

        url = reverse("oversight:material_new", args=[inspection.pk])
        data = {
            "agency": org.weihui.pk,
            "name": "待遇发放台账",
            "quantity": "2册",
            "handling": "read",
            "registered_on": today.isoformat(),
            "seal_now": "on",
        }
        response = client.post(url, data)
        assert response.status_code == 400
        assert "封存时须填写此项" in response.content.decode()
        assert not InspectionMaterial.objects.exists()
        response = client.post(url, {**data, "seal_number": "FC-1", "place": "档案室", "sealed_on": today.isoformat()})
        assert response.status_code == 302
        assert InspectionMaterial.objects.get().status == Status.SEALED

        response = client.post(
            reverse("oversight:decision_new", args=[inspection.pk]),
            {
                "agency": org.weihui.pk,
                "facts": "事实",
                "basis": "第十五条",
                "decision": "责令整改",
                "decided_on": today.isoformat(),
            },
        )
        assert response.status_code == 302
        assert HandlingDecision.objects.get().number == f"新人社监〔{today.year}〕1号"

    def test_period_must_be_in_order(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:inspection_new"),
            {
                "title": "x",
                "agencies": [org.weihui.pk],
                "period_start": "2025-12-31",
                "period_end": "2025-01-01",
                "started_on": local_today().isoformat(),
                "scope": "x",
            },
        )
        assert response.status_code == 400
        assert "所属期止不能早于所属期起" in response.content.decode()
        assert not FundInspection.objects.exists()

    def test_conclude_needs_a_conclusion_and_a_team_member(self, client, org, inspector, inspection):
        colleague = make_user("colleague", ["inspector"], org.city_bureau)
        url = reverse("oversight:inspection_conclude", args=[inspection.pk])
        client.force_login(colleague)
        assert client.post(url, {"ended_on": local_today().isoformat(), "conclusion": "x"}).status_code == 403
        client.force_login(inspector)
        assert client.get(url).status_code == 405
        data = {"ended_on": local_today().isoformat(), "conclusion": "", "version": inspection.version}
        assert client.post(url, data).status_code == 400
        assert client.post(url, {**data, "conclusion": "总体规范。"}).status_code == 302
        inspection.refresh_from_db()
        assert inspection.status == FundInspection.Status.CONCLUDED

    def test_inquiry_times_must_be_in_order(self, client, org, inspector, inspection):
        client.force_login(inspector)
        start = timezone.localtime() - datetime.timedelta(hours=2)
        response = client.post(
            reverse("oversight:inquiry_new", args=[inspection.pk]),
            {
                "agency": org.weihui.pk,
                "interviewee": "赵会计",
                "interviewee_unit": "卫辉市社会保险中心",
                "place": "会议室",
                "started_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ended_at": (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "inquirers": "甲、乙",
                "recorder": "丙",
                "transcript": "问：……答：……",
            },
        )
        assert response.status_code == 400
        assert "结束时间不能早于开始时间" in response.content.decode()
        assert not Inquiry.objects.exists()

    def test_list_query_count_does_not_grow(self, client, org, inspector, django_assert_max_num_queries):
        client.force_login(inspector)
        url = reverse("oversight:inspection_list")
        open_inspection(inspector, [org.weihui])
        client.get(url)
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        for index in range(15):
            agency = AgencyFactory(division=DivisionFactory(city=org.city))
            open_inspection(inspector, [agency, org.weihui], title=f"检查{index}")
        with django_assert_max_num_queries(20) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_detail_query_count_does_not_grow_with_measures(
        self, client, org, inspector, inspection, django_assert_max_num_queries
    ):
        client.force_login(inspector)
        url = reverse("oversight:inspection_detail", args=[inspection.pk])
        register_material(inspection, inspector, org.weihui, seal=True)
        client.get(url)
        with django_assert_max_num_queries(60) as small:
            client.get(url)
        for index in range(10):
            register_material(inspection, inspector, org.weihui, name=f"材料{index}", seal=True)
        with django_assert_max_num_queries(60) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)


class TestMorePages:
    def test_order_through_the_form_generates_the_pdf_and_the_tracking(self, client, org, inspector, inspection):
        client.force_login(inspector)
        url = reverse("oversight:order_new", args=[inspection.pk])
        data = {
            "agency": org.weihui.pk,
            "conduct": CorrectionOrder.Conduct.MOVING,
            "facts": "将基金转入非基金账户。",
            "requirements": "立即划回。",
            "issued_on": local_today().isoformat(),
            "deadline": (local_today() - datetime.timedelta(days=1)).isoformat(),
        }
        response = client.post(url, data)
        assert response.status_code == 400
        assert "改正期限不能早于下达日期" in response.content.decode()
        assert not CorrectionOrder.objects.exists()
        response = client.post(url, {**data, "deadline": (local_today() + datetime.timedelta(days=10)).isoformat()})
        assert response.status_code == 302
        order = CorrectionOrder.objects.get()
        assert actions.document_of(order).original_name == f"{order.number} 责令改正通知书.pdf"
        assert order.finding.deadline == local_today() + datetime.timedelta(days=10)

    def test_a_finding_of_the_inspection_through_the_form(self, client, org, inspector, inspection, head_huixian):
        client.force_login(inspector)
        url = reverse("oversight:inspection_finding", args=[inspection.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "agency": org.huixian.pk,
                "article": "第八条（三）",
                "severity": Finding.Severity.MAJOR,
                "title": "待遇发放缺少复核",
                "description": "一人审核。",
                "suggestion": "落实双人复核。",
                "deadline": (local_today() + datetime.timedelta(days=20)).isoformat(),
            },
        )
        assert response.status_code == 302
        finding = Finding.objects.get()
        assert (finding.source, finding.source_record, finding.agency) == (
            Finding.Source.FUND_INSPECTION,
            inspection,
            org.huixian,
        )
        client.force_login(head_huixian)
        assert client.get(url).status_code == 403

    def test_cancel_through_the_page_needs_a_reason_and_the_leader(self, client, org, inspector, inspection):
        url = reverse("oversight:inspection_cancel", args=[inspection.pk])
        client.force_login(make_user("colleague", ["inspector"], org.city_bureau))
        assert client.post(url, {"reason": "误登记", "version": inspection.version}).status_code == 403
        client.force_login(inspector)
        assert client.get(url).status_code == 405
        assert client.post(url, {"reason": "", "version": inspection.version}).status_code == 400
        assert client.post(url, {"reason": "误登记", "version": inspection.version}).status_code == 302
        inspection.refresh_from_db()
        assert (inspection.status, inspection.cancel_reason) == (FundInspection.Status.CANCELLED, "误登记")

    def test_a_cancel_refused_for_sealed_material_says_why_and_changes_nothing(
        self, client, org, inspector, inspection
    ):
        register_material(inspection, inspector, org.weihui, seal=True)
        client.force_login(inspector)
        response = client.post(
            reverse("oversight:inspection_cancel", args=[inspection.pk]),
            {"reason": "误登记", "version": inspection.version},
        )
        assert response.status_code == 400
        assert "须先解除封存" in response.content.decode()
        inspection.refresh_from_db()
        assert inspection.status == FundInspection.Status.IN_PROGRESS

    def test_a_county_head_cannot_open_an_inspection(self, client, org, head_weihui):
        client.force_login(head_weihui)
        assert client.get(reverse("oversight:inspection_new")).status_code == 403
        assert client.post(reverse("oversight:inspection_new"), {"title": "x"}).status_code == 403
        assert not FundInspection.objects.exists()


def issue_order(inspection, user, agency) -> CorrectionOrder:
    return actions.order_issue(
        inspection,
        acting_user=user,
        agency=agency,
        conduct=CorrectionOrder.Conduct.MOVING,
        facts="转移基金至过渡户。",
        requirements="退回原账户。",
        deadline=local_today() + datetime.timedelta(days=15),
        issued_on=local_today(),
    )


class TestRevocation:
    """撤销: a document issued in error stays on file, marked revoked with who, when and why."""

    def test_a_revoked_order_withdraws_its_tracking_and_tells_the_agency(self, org, inspector, inspection, head_weihui):
        order = issue_order(inspection, inspector, org.weihui)
        actions.document_revoke(order, acting_user=inspector, reason="违法行为认定有误，另行处理。")
        order.refresh_from_db()
        assert order.is_revoked and (order.revoked_by, order.revoke_reason) == (
            inspector,
            "违法行为认定有误，另行处理。",
        )
        assert order.finding.status == Finding.Status.WITHDRAWN
        assert order.finding.events.filter(kind="withdrawn", text__contains=order.number).exists()
        assert order.history.first().history_change_reason.startswith("撤销")
        assert head_weihui.notifications.filter(title__contains=order.number).filter(title__contains="已撤销").exists()
        assert actions.document_of(order) is not None  # the PDF stays on file

    def test_a_decision_is_revoked_once_and_only_with_a_reason(self, org, inspector, inspection):
        decision = decide(inspection, inspector, org.huixian)
        with pytest.raises(ValidationError):
            actions.document_revoke(decision, acting_user=inspector, reason="  ")
        actions.document_revoke(decision, acting_user=inspector, reason="适用依据错误。")
        with pytest.raises(TransitionNotAllowed):
            actions.document_revoke(decision, acting_user=inspector, reason="再次撤销。")
        assert HandlingDecision.objects.get(pk=decision.pk).history.count() == 2

    def test_only_the_team_revokes(self, org, inspector, inspection, head_weihui):
        order = issue_order(inspection, inspector, org.weihui)
        outsider = make_user("另一检查员", ["inspector"], org.city_bureau)
        for user in (head_weihui, outsider):
            with pytest.raises(PermissionDenied):
                actions.document_revoke(order, acting_user=user, reason="越权。")
        assert not CorrectionOrder.objects.get(pk=order.pk).is_revoked

    def test_through_the_page(self, client, org, inspector, inspection):
        order = issue_order(inspection, inspector, org.weihui)
        decision = decide(inspection, inspector, org.weihui)
        client.force_login(inspector)
        detail = reverse("oversight:inspection_detail", args=[inspection.pk])
        page = client.get(detail).content.decode()
        assert reverse("oversight:order_revoke", args=[order.pk]) in page
        assert reverse("oversight:decision_revoke", args=[decision.pk]) in page
        refused = client.post(reverse("oversight:order_revoke", args=[order.pk]), {"reason": ""}, follow=True)
        assert "请写明撤销理由" in refused.content.decode() and not CorrectionOrder.objects.get(pk=order.pk).is_revoked
        response = client.post(
            reverse("oversight:order_revoke", args=[order.pk]), {"reason": "文书有误。"}, follow=True
        )
        body = response.content.decode()
        assert response.redirect_chain[-1][0] == detail + "#orders"
        assert "已撤销，其整改跟踪一并撤销" in body and 'data-testid="revoked"' in body
        assert reverse("oversight:order_revoke", args=[order.pk]) not in body  # nothing left to revoke
        assert client.get(reverse("oversight:order_revoke", args=[order.pk])).status_code == 405
