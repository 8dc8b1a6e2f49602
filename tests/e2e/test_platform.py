from __future__ import annotations

from playwright.sync_api import Page, expect


def test_county_head_signs_in_switches_language_and_is_refused_another_county(
    page: Page, live_server, sign_in, org, head_weihui
):
    sign_in("head_weihui")
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_test_id("lang-zh-hans").click()
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()

    page.goto(f"{live_server.url}/org/agencies/{org.weihui.pk}/")
    expect(page.get_by_role("heading", name="卫辉市社会保险中心")).to_be_visible()

    response = page.goto(f"{live_server.url}/org/agencies/{org.huixian.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.get_by_text("辉县市社会保险中心")).to_have_count(0)


def test_anonymous_visitor_sees_public_portal_and_is_sent_to_login(page: Page, live_server, org):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name="工作人员登录").first).to_be_visible()
    expect(page.get_by_role("heading", name="工作人员入口")).to_be_visible()

    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/dashboard/")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()


def test_wrong_password_says_so_and_stays_on_login(page: Page, live_server, org, head_weihui):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("head_weihui")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
