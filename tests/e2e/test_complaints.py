"""第十六条 in the browser: a visitor reports and follows it; handlers transfer one and answer another."""

from __future__ import annotations

from captcha.models import CaptchaStore
from playwright.sync_api import Page, expect

from complaints.models import Complaint
from tests.complaints.factories import external_body


def solve_captcha(page: Page) -> None:
    """Type what the image shows: the answer the server keeps for this image's key."""
    key = page.locator("input[name=captcha_0]").input_value()
    page.get_by_label("验证码").fill(CaptchaStore.objects.get(hashkey=key).response)


def file_complaint(page: Page, url: str, *, kind: str, title: str, phone: str = "") -> str:
    page.goto(f"{url}/complaints/new/")
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("被举报投诉单位").select_option(label="卫辉市社会保险中心")
    page.get_by_label("事项类型").select_option(label="社会保险待遇支付")
    page.get_by_label("标题").fill(title)
    page.locator("#id_description").fill(f"{title}。2026年5月起待遇停发，窗口人员不说明理由。")
    if phone:
        page.get_by_label("姓名").fill("李秀英")
        page.get_by_label("联系电话").fill(phone)
        page.get_by_label("需要答复").check()
    page.locator("#id_consent").check()
    solve_captcha(page)
    page.get_by_test_id("complaint-submit").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    return page.get_by_test_id("tracking-code").inner_text()


def track(page: Page, url: str, code: str, contact: str = "") -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/complaints/track/")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("联系电话或电子邮箱").fill(contact)
    page.get_by_test_id("track-submit").click()
    expect(page.get_by_test_id("public-status")).to_be_visible()


def test_report_transferred_out_of_remit_and_complaint_answered_within_it(
    page: Page, live_server, sign_in, org, handler, head_weihui
):
    body = external_body(org)
    url = live_server.url

    # An anonymous visitor files a report and gets a code.
    page.context.clear_cookies()
    code = file_complaint(page, url, kind="举报", title="住院费用报销被拒")
    assert len(code) == 19
    report = Complaint.objects.get(title="住院费用报销被拒")

    # A handler transfers it out of remit: written notice and transfer letter.
    sign_in("handler")
    page.goto(f"{url}/complaints/")
    page.get_by_role("link", name="住院费用报销被拒").click()
    page.get_by_label("有权处理的部门、机构").select_option(label=body.name)
    page.get_by_label("不属于本部门职责范围的理由").fill("所反映的是医疗保险报销，由医疗保障部门负责。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("transfer-submit").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已移交")
    expect(page.get_by_test_id("letters")).to_contain_text("移交函")
    expect(page.get_by_test_id("letters")).to_contain_text("书面通知（移交告知）")

    # The visitor tracks it and sees the transfer notice.
    track(page, url, code)
    expect(page.get_by_test_id("status-text")).to_contain_text("书面通知并移交 新乡市医疗保障局 处理")
    expect(page.get_by_test_id("transferred-to")).to_contain_text("0373-1234567")
    notice = page.get_by_role("link", name="书面通知（移交告知）")
    expect(notice).to_be_visible()
    response = page.request.get(f"{url}{notice.get_attribute('href')}")
    assert response.ok and response.body().startswith(b"%PDF")
    report.refresh_from_db()
    assert report.status == Complaint.Status.TRANSFERRED and report.transferred_to == body

    # Another is routed within remit, answered by the county head and closed by the handler.
    code = file_complaint(page, url, kind="投诉", title="养老金被停发", phone="13903731234")
    sign_in("handler")
    complaint = Complaint.objects.get(title="养老金被停发")
    page.goto(f"{url}/complaints/{complaint.pk}/")
    page.get_by_label("承办单位").select_option(label="卫辉市社会保险中心")
    page.get_by_label("办理时限（工作日）").fill("10")
    page.get_by_test_id("accept-submit").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("办理中")
    expect(page.get_by_test_id("unit")).to_have_text("卫辉市社会保险中心")

    sign_in("head_weihui")
    page.goto(f"{url}/complaints/")
    page.get_by_role("link", name="养老金被停发").click()
    page.get_by_label("调查核实情况").fill("调取停发记录：系资格认证未通过。")
    page.get_by_test_id("note-submit").click()
    page.get_by_label("答复意见").fill("经核实，已恢复发放并补发停发期间的养老金。")
    page.get_by_label("查实情况").select_option(label="属实")
    page.get_by_test_id("reply-submit").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已答复")

    sign_in("handler")
    page.goto(f"{url}/complaints/{complaint.pk}/")
    page.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已办结")

    track(page, url, code, "139 0373 1234")
    expect(page.get_by_test_id("status-text")).to_contain_text("已由 卫辉市社会保险中心 办理")
    expect(page.get_by_test_id("public-reply")).to_contain_text("已恢复发放")
    expect(page.get_by_test_id("public-status")).not_to_contain_text("资格认证未通过")
    page.get_by_label("满意", exact=True).check()
    page.get_by_test_id("rate-submit").click()
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfaction) == (Complaint.Status.CLOSED, "satisfied")
