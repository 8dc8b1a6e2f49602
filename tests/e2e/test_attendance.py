from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from supervision.models import Leave, LeaveFiling, LeaveKind, Person
from supervision.permissions import Role
from tests.factories import make_user


@pytest.fixture
def org(org):
    LeaveKind.objects.ensure_defaults()  # a transactional test before this one flushes migration data
    return org


def test_head_leave_with_acting_person_approved_filed_and_returned(
    page: Page, live_server, sign_in, org, leader, office, personnel, head_weihui
):
    deputy = make_user("deputy_weihui", [Role.COUNTY_STAFF], org.weihui, Person.Position.DEPUTY)
    start = timezone.localdate() + datetime.timedelta(days=3)

    sign_in("head_weihui")
    page.goto(f"{live_server.url}/attendance/leave/")
    page.get_by_test_id("leave-new").click()
    expect(page.get_by_test_id("head-rules")).to_contain_text("确定1名负责同志主持工作")
    page.get_by_label("请假类别").select_option(label="年休假")
    page.get_by_label("开始日期").fill(start.isoformat())
    page.get_by_label("结束日期").fill((start + datetime.timedelta(days=2)).isoformat())
    page.get_by_label("事由").fill("休年假，在新乡市区。")
    page.get_by_label("外出期间联系方式").fill("13900001234")
    page.get_by_label("主持工作的同志").select_option(label="deputy_weihui的姓名（副职）")
    page.get_by_test_id("leave-submit").click()
    expect(page.get_by_test_id("leave-status")).to_have_text("待审批")
    leave_url = page.url

    sign_in("leader")
    page.goto(f"{live_server.url}/attendance/leave/?view=approve")
    page.get_by_role("link", name="head_weihui的姓名").click()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("意见说明").fill("同意，请做好工作交接。")
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("leave-status")).to_have_text("已批准")

    sign_in("office")
    page.goto(f"{live_server.url}/attendance/leave/filings/?pending=1")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_text("已确认备案。")).to_be_visible()
    page.goto(leave_url)
    expect(page.get_by_test_id("filing-office")).to_contain_text("已确认")
    expect(page.get_by_test_id("filing-personnel")).to_contain_text("待确认")

    # Three days later: the leave runs, and the agency page shows the acting person presiding.
    leave = Leave.objects.get()
    Leave.objects.filter(pk=leave.pk).update(
        start_date=timezone.localdate() - datetime.timedelta(days=1),
        end_date=timezone.localdate(),
        submitted_at=timezone.now() - datetime.timedelta(days=3),
    )
    sign_in("head_weihui")
    page.goto(f"{live_server.url}/org/agencies/{org.weihui.pk}/")
    expect(page.get_by_test_id("presiding-person")).to_have_text(deputy.person.name)
    expect(page.get_by_test_id("presiding-panel")).to_contain_text("代为主持工作")

    page.goto(leave_url)
    page.get_by_label("销假说明").fill("已返岗。")
    page.get_by_test_id("return-submit").click()
    expect(page.get_by_test_id("leave-status")).to_have_text("已销假")
    expect(page.get_by_test_id("returned-at")).to_be_visible()
    page.goto(f"{live_server.url}/org/agencies/{org.weihui.pk}/")
    expect(page.get_by_test_id("presiding-person")).to_have_text(head_weihui.person.name)

    leave.refresh_from_db()
    assert leave.status == Leave.Status.RETURNED and leave.returned_at is not None
    assert LeaveFiling.objects.get(leave=leave, section="office").acknowledged_by == office
