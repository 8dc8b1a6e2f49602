"""An inspector runs the Art. 8 checklist on a county; the county head answers; the inspector closes."""

from __future__ import annotations

import datetime

from playwright.sync_api import Page, expect

from integrity.models import ControlInspection
from supervision.models import Finding
from supervision.models.findings import local_today
from tests.integrity.factories import ensure_checklists

SHORTCOMINGS = {"第八条（三）": "待遇发放缺少复核记录", "第八条（四）": "支出户资金划拨缺少审批手续"}


def test_inspector_runs_art8_head_answers_inspector_closes_report_downloads(
    page: Page, live_server, sign_in, org, inspector, head_weihui
):
    ensure_checklists()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in("inspector")
    page.goto(f"{live_server.url}/integrity/")
    page.get_by_test_id("integrity-tabs").get_by_role("link", name="内控检查").click()
    page.get_by_test_id("inspection-new").click()
    page.get_by_label("被检查单位").select_option(label="卫辉市社保中心")
    page.get_by_label("第八条 基金安全管理制度").check()
    last_year = local_today().year - 1
    page.get_by_label("检查期间起").fill(f"{last_year}-01-01")
    page.get_by_label("检查期间止").fill(f"{last_year}-12-31")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("inspection-status")).to_have_text("已计划")

    for number in "一二三四五六":
        code = f"第八条（{number}）"
        row = page.get_by_test_id(f"item-{code}")
        if code in SHORTCOMINGS:
            row.get_by_label("不符合", exact=True).check()
            row.get_by_label("问题摘要").fill(SHORTCOMINGS[code])
            row.get_by_label("检查情况").fill("抽查发现问题，详见附件。")
        else:
            row.get_by_label("符合", exact=True).check()
        row.get_by_test_id("save-item").click()
        expect(page.get_by_test_id(f"item-{code}")).to_contain_text("已保存")
    expect(page.get_by_test_id("inspection-progress")).to_contain_text("已检查 6 / 6 项")

    page.get_by_label("检查结论").fill("基金安全管理制度总体健全，待遇发放复核和支出户划拨审批存在问题。")
    page.get_by_test_id("complete-submit").click()
    expect(page.get_by_test_id("inspection-status")).to_have_text("已完成")
    findings_table = page.get_by_test_id("inspection-findings")
    expect(findings_table.locator("tbody tr")).to_have_count(2)
    inspection_url = page.url
    finding_urls = [
        f"{live_server.url}{href}"
        for href in findings_table.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    ]
    assert len(finding_urls) == 2

    sign_in("head_weihui")
    for url in finding_urls:
        page.goto(url)
        page.get_by_label("整改情况").fill("已完成整改，补齐审批和复核记录。")
        page.get_by_test_id("answer-submit").click()
        expect(page.get_by_test_id("finding-status")).to_have_text("待核验")

    sign_in("inspector")
    for url in finding_urls:
        page.goto(url)
        page.get_by_label("整改到位，核验销号").check()
        page.get_by_label("核验意见").fill("经核验，整改到位。")
        page.get_by_test_id("verify-submit").click()
        expect(page.get_by_test_id("finding-status")).to_have_text("已销号")

    page.goto(inspection_url)
    expect(page.get_by_test_id("inspection-findings").get_by_test_id("finding-status")).to_have_text(
        ["已销号", "已销号"]
    )
    with page.expect_download() as download_info:
        page.get_by_test_id("report-pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith("内控检查报告.pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    inspection = ControlInspection.objects.get()
    assert inspection.status == ControlInspection.Status.COMPLETED
    findings = Finding.objects.filter(source=Finding.Source.CONTROL_INSPECTION).order_by("article")
    assert [(f.article, f.status) for f in findings] == [
        ("第八条（三）", Finding.Status.CLOSED),
        ("第八条（四）", Finding.Status.CLOSED),
    ]
    assert all(f.deadline > local_today() - datetime.timedelta(days=1) for f in findings)
