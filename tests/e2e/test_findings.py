from __future__ import annotations

import datetime

from playwright.sync_api import Page, expect

from supervision.models import Attachment, Finding
from supervision.models.findings import local_today
from tests.supervision.factories import PDF_BYTES


def test_inspector_records_head_answers_with_a_file_inspector_closes(
    page: Page, live_server, sign_in, org, inspector, head_weihui, tmp_path
):
    sign_in("inspector")
    page.goto(f"{live_server.url}/findings/")
    page.get_by_test_id("finding-new").click()
    page.get_by_label("被检查单位").select_option(label="卫辉市社保中心")
    page.get_by_label("来源").select_option(label="内控检查")
    page.get_by_label("违反条款").fill("第八条（四）")
    page.get_by_label("严重程度").select_option(label="较重")
    page.get_by_label("问题摘要").fill("基金支出户存在未经审批的划拨")
    page.get_by_label("问题描述").fill("抽查发现1笔12,000元划拨无审批单。")
    page.get_by_label("整改期限").fill((local_today() + datetime.timedelta(days=20)).isoformat())
    page.get_by_test_id("finding-submit").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("整改中")
    finding_url = page.url

    sign_in("head_weihui")
    page.goto(finding_url)
    page.get_by_label("整改情况").fill("已补齐审批单并完善支出审批制度。")
    evidence = tmp_path / "审批单.pdf"
    evidence.write_bytes(PDF_BYTES)
    page.get_by_label("证据材料").set_input_files(str(evidence))
    page.get_by_test_id("answer-submit").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("待核验")
    expect(page.get_by_role("link", name="审批单.pdf")).to_be_visible()

    sign_in("inspector")
    page.goto(finding_url)
    page.get_by_label("整改到位，核验销号").check()
    page.get_by_label("核验意见").fill("经核验，整改到位。")
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已销号")
    expect(page.get_by_test_id("finding-thread")).to_contain_text("核验通过，销号")

    finding = Finding.objects.get()
    assert finding.status == Finding.Status.CLOSED
    assert Attachment.objects.get().original_name == "审批单.pdf"
