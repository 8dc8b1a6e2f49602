from __future__ import annotations

import datetime
import re
from pathlib import Path

from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from supervision.models import Disclosure, FundInspection, MaterialSeal
from supervision.models.findings import local_today
from supervision.permissions import Role
from tests.factories import make_user


def test_inspector_records_a_sealed_item_and_a_decision_approver_publishes_public_downloads_csv(
    page: Page, live_server, sign_in, org, inspector
):
    approver = make_user("approver", [Role.INSPECTOR], org.city_bureau)
    approver.user_permissions.add(Permission.objects.get(codename="publish_disclosure"))
    today = local_today()
    year = today.year

    # The inspector opens the inspection.
    sign_in("inspector")
    page.goto(f"{live_server.url}/oversight/inspections/")
    page.get_by_test_id("inspection-new").click()
    page.get_by_label("检查名称").fill("卫辉市社会保险基金专项检查")
    page.get_by_label("被检查单位").select_option(label=["卫辉市社保中心"])
    page.get_by_label("检查所属期起").fill(f"{year - 1}-01-01")
    page.get_by_label("检查所属期止").fill(f"{year - 1}-12-31")
    page.get_by_label("检查开始日期").fill((today - datetime.timedelta(days=5)).isoformat())
    page.get_by_test_id("inspection-submit").click()
    expect(page.get_by_test_id("inspection-status")).to_have_text("检查中")
    inspection_url = page.url

    # (一) a material at risk is sealed on the spot.
    page.get_by_test_id("material-new").click()
    page.get_by_label("材料所属单位").select_option(label="卫辉市社保中心")
    page.get_by_label("材料名称").fill("待遇发放审批台账")
    page.get_by_label("数量").fill("2册")
    page.get_by_label("处置方式").select_option(label="查阅")
    page.get_by_label("同时封存").check()
    page.get_by_label("封条编号").fill("XXFC-2026-001")
    page.get_by_label("封存地点").fill("卫辉市社会保险中心档案室")
    page.get_by_label("封存日期").fill(today.isoformat())
    page.get_by_test_id("measure-submit").click()
    expect(page.get_by_test_id("material-status")).to_have_text("封存中")
    expect(page.get_by_test_id("seal-entry")).to_contain_text("XXFC-2026-001")

    # The handling decision, numbered and generated as a PDF.
    page.get_by_test_id("decision-new").click()
    page.get_by_label("被处理单位").select_option(label="卫辉市社保中心")
    page.get_by_label("查明的事实").fill("2025年9月未经审批将支出户资金12,000元划入过渡户。")
    page.get_by_label(re.compile(r"^处理决定")).fill("责令完善基金支出审批制度，30日内报送整改报告。")
    page.get_by_test_id("measure-submit").click()
    expect(page.get_by_test_id("decision-number")).to_have_text(f"新人社监〔{year}〕1号")
    expect(page.get_by_test_id("decision-pdf")).to_be_visible()

    page.get_by_role("textbox", name="检查结论").fill("基金收支总体规范，发现问题1项，已作出处理决定。")
    page.get_by_test_id("conclude-submit").click()
    expect(page.get_by_test_id("inspection-status")).to_have_text("已结束")

    # The approver publishes a public summary; personal data is refused first.
    sign_in("approver")
    page.goto(inspection_url)
    page.get_by_label("公开标题").fill("卫辉市社会保险基金专项检查结果")
    page.get_by_label("公开摘要").fill("经查，联系人13912345678反映的问题属实。")
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_text("公开内容不得含有个人信息")).to_be_visible()
    page.get_by_label("公开摘要").fill("检查发现1笔支出户资金未经审批划转，已作出处理决定，资金已全额划回。")
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("published-badge")).to_be_visible()

    # An anonymous visitor finds it and downloads the CSV.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="进入").first.click()
    expect(page).to_have_url(f"{live_server.url}/disclosure/")
    page.get_by_label("关键词").fill("卫辉市")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="卫辉市社会保险基金专项检查结果").click()
    expect(page.get_by_test_id("disclosure-summary")).to_contain_text("资金已全额划回")
    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_test_id("download-csv").click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert "卫辉市社会保险基金专项检查结果" in content
    assert "13912345678" not in content

    inspection = FundInspection.objects.get()
    assert inspection.disclosure.status == Disclosure.Status.PUBLISHED
    assert MaterialSeal.objects.get().seal_number == "XXFC-2026-001"
