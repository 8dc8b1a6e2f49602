"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against live_server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return page


@pytest.fixture
def sign_in(page: Page, live_server) -> Callable[[str], None]:
    """Sign in through the real login page, as a person would."""

    def _sign_in(username: str, password: str = TEST_PASSWORD) -> None:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_test_id("login-submit").click()
        expect(page).to_have_url(f"{live_server.url}/dashboard/")

    return _sign_in
