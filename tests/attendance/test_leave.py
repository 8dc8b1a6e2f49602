"""Leave and going-out (第五条): the head's leave with an acting person, approval, filing, return."""

from __future__ import annotations

import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from supervision.actions import attendance as actions
from supervision.attendance import presiding_person
from supervision.models import AttendancePolicy, Finding, Leave, LeaveEvent, LeaveFiling, Notification
from supervision.models.attendance import Half
from supervision.permissions import Action, Role, agencies_for
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.attendance.factories import approved, at, days_from_today, request_for, submit
from tests.factories import make_user
from tests.supervision.factories import raise_finding

pytestmark = pytest.mark.django_db

Status = Leave.Status


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


class TestHeadLeaveRules:
    def test_refused_without_advance_notice(self, head_weihui, deputy_weihui):
        with pytest.raises(ValidationError) as refused:
            submit(head_weihui, timezone.localdate(), acting=deputy_weihui)
        assert "提前履行请假手续" in messages_of(refused.value)
        assert not Leave.objects.exists()

    def test_minimum_notice_is_configurable(self, org, head_weihui, deputy_weihui):
        AttendancePolicy.objects.create(city=org.city, head_notice_hours=24 * 5)
        with pytest.raises(ValidationError) as refused:
            submit(head_weihui, days_from_today(3), acting=deputy_weihui)
        assert "120 小时" in messages_of(refused.value)
        assert submit(head_weihui, days_from_today(6), acting=deputy_weihui).is_head_leave

    def test_refused_without_an_acting_person(self, head_weihui):
        with pytest.raises(ValidationError) as refused:
            submit(head_weihui, days_from_today(3))
        assert "确定1名负责同志主持工作" in messages_of(refused.value)

    def test_refused_with_an_acting_person_of_another_agency(self, head_weihui, deputy_huixian):
        with pytest.raises(ValidationError) as refused:
            submit(head_weihui, days_from_today(3), acting=deputy_huixian)
        assert "本单位在岗人员" in messages_of(refused.value)

    def test_refused_when_the_acting_person_is_away_at_the_same_time(self, head_weihui, deputy_weihui):
        submit(deputy_weihui, days_from_today(4), days_from_today(6))
        with pytest.raises(ValidationError) as refused:
            submit(head_weihui, days_from_today(3), days_from_today(4), acting=deputy_weihui)
        assert "也请假或外出" in messages_of(refused.value)
        # Half-day precision: the deputy is away from the 4th; a head's leave ending on the 3rd is fine.
        leave = submit(head_weihui, days_from_today(2), days_from_today(3), acting=deputy_weihui)
        assert leave.acting_person == deputy_weihui.person

    def test_the_acting_person_may_not_take_leave_while_presiding(self, head_weihui, deputy_weihui):
        submit(head_weihui, days_from_today(3), days_from_today(5), acting=deputy_weihui)
        with pytest.raises(ValidationError) as refused:
            submit(deputy_weihui, days_from_today(5))
        assert "主持工作，该期间不能请假" in messages_of(refused.value)

    def test_approved_only_by_the_city_agency_leader(self, org, head_weihui, deputy_weihui, head_huixian, office):
        leave = submit(head_weihui, days_from_today(3), acting=deputy_weihui)
        assert leave.approval_level == Leave.Level.CITY
        other_city_leader = make_user("other_leader", [Role.CITY_AGENCY_LEADER], None)
        for user in (head_weihui, deputy_weihui, head_huixian, office, other_city_leader):
            with pytest.raises(PermissionDenied):
                actions.leave_approve(leave, acting_user=user)
        leader = make_user("leader", [Role.CITY_AGENCY_LEADER], org.city_agency, "main_leader")
        actions.leave_approve(leave, acting_user=leader, note="同意，注意安全。")
        leave.refresh_from_db()
        assert leave.status == Status.APPROVED and leave.decided_by == leader

    def test_filing_goes_to_office_and_personnel_who_each_see_and_acknowledge_it(
        self, client, leader, office, personnel, head_weihui, deputy_weihui
    ):
        leave = approved(head_weihui, leader, days_from_today(3), acting=deputy_weihui)
        assert set(leave.filings.values_list("section", flat=True)) == {"office", "personnel"}
        for user in (office, personnel):
            assert Notification.objects.filter(recipient=user, title__startswith="请假备案").exists()
            client.force_login(user)
            body = client.get(reverse("attendance:filing_list"), {"pending": "1"}).content.decode()
            assert head_weihui.person.name in body and 'data-testid="acknowledge"' in body
        client.force_login(office)
        assert client.post(reverse("attendance:filing_acknowledge", args=[leave.pk])).status_code == 302
        office_filing = leave.filings.get(section="office")
        assert office_filing.acknowledged_by == office
        assert leave.filings.get(section="personnel").acknowledged_at is None
        body = client.get(reverse("attendance:filing_list"), {"pending": "1"}).content.decode()
        assert head_weihui.person.name not in body
        # The personnel section's confirmation is theirs only.
        with pytest.raises(PermissionDenied):
            actions.filing_acknowledge(leave.filings.get(section="personnel"), acting_user=office)
        actions.filing_acknowledge(leave.filings.get(section="personnel"), acting_user=personnel)
        assert not LeaveFiling.objects.filter(acknowledged_at__isnull=True).exists()

    def test_acting_person_is_notified(self, leader, head_weihui, deputy_weihui):
        approved(head_weihui, leader, days_from_today(3), acting=deputy_weihui)
        titles = list(Notification.objects.filter(recipient=deputy_weihui).values_list("title", flat=True))
        assert any("拟由您主持工作" in title for title in titles)
        assert any("请您在" in title for title in titles)


class TestStaffLeave:
    def test_approved_only_by_their_own_head(self, leader, head_weihui, head_huixian, deputy_weihui, staff_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        assert leave.approval_level == Leave.Level.AGENCY
        for user in (head_huixian, leader, deputy_weihui, staff_weihui):
            with pytest.raises(PermissionDenied):
                actions.leave_approve(leave, acting_user=user)
        actions.leave_approve(leave, acting_user=head_weihui)
        leave.refresh_from_db()
        assert leave.status == Status.APPROVED
        assert Notification.objects.filter(recipient=staff_weihui, title__startswith="请假已批准").exists()

    def test_overlapping_requests_are_refused(self, staff_weihui):
        submit(staff_weihui, days_from_today(1), days_from_today(3))
        with pytest.raises(ValidationError) as refused:
            submit(staff_weihui, days_from_today(3), start_half=Half.PM)
        assert "时间重叠" in messages_of(refused.value)
        # Half-day precision: the afternoon before is free.
        assert submit(staff_weihui, days_from_today(0), start_half=Half.PM, end_half=Half.PM)

    def test_withdrawn_before_approval_only(self, head_weihui, staff_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        actions.leave_withdraw(leave, acting_user=staff_weihui, reason="不需要了")
        leave.refresh_from_db()
        assert leave.status == Status.WITHDRAWN
        # A withdrawn request no longer blocks the period.
        other = submit(staff_weihui, days_from_today(1))
        actions.leave_approve(other, acting_user=head_weihui)
        with pytest.raises(TransitionNotAllowed):
            actions.leave_withdraw(other, acting_user=staff_weihui)

    def test_rejection_needs_a_reason_and_is_recorded(self, client, head_weihui, staff_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        client.force_login(head_weihui)
        url = reverse("attendance:leave_decide", args=[leave.pk])
        response = client.post(url, {"decision": "reject", "note": "", "version": leave.version})
        assert response.status_code == 400 and "不同意时须写明理由" in response.content.decode()
        leave.refresh_from_db()
        assert leave.status == Status.SUBMITTED
        client.post(url, {"decision": "reject", "note": "业务高峰", "version": leave.version})
        leave.refresh_from_db()
        assert (leave.status, leave.decision_note) == (Status.REJECTED, "业务高峰")

    def test_stale_decision_is_refused(self, head_weihui, staff_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        seen = leave.version
        actions.leave_withdraw(leave, acting_user=staff_weihui)
        with pytest.raises(EditConflict):
            actions.leave_approve(leave, acting_user=head_weihui, version=seen)

    def test_return_files_the_leave_and_records_the_actual_time(self, head_weihui, staff_weihui):
        yesterday = days_from_today(-1)
        leave = approved(staff_weihui, head_weihui, yesterday, submitted_at=at(days_from_today(-3), 9))
        back = at(timezone.localdate(), 8, 0) if timezone.localtime().hour >= 8 else timezone.now()
        actions.leave_return(leave, acting_user=staff_weihui, returned_at=back)
        leave.refresh_from_db()
        assert leave.status == Status.FILED and leave.returned_at == back and not leave.returned_late
        kinds = list(leave.events.values_list("kind", flat=True))
        assert kinds == [LeaveEvent.Kind.SUBMITTED, LeaveEvent.Kind.APPROVED, "returned", "filed"]


class TestActingHead:
    """第五条: while the head is away, the acting person presides; approvals go to them, and back on return."""

    def running_head_leave(self, leader, head_weihui, deputy_weihui) -> Leave:
        leave = approved(head_weihui, leader, days_from_today(5), days_from_today(7), acting=deputy_weihui)
        # The head applied a week ago: the leave started yesterday and runs for two more days.
        Leave.objects.filter(pk=leave.pk).update(start_date=days_from_today(-1), end_date=days_from_today(2))
        leave.refresh_from_db()
        return leave

    def test_staff_approvals_go_to_the_acting_person_and_back_on_return(
        self, leader, head_weihui, deputy_weihui, staff_weihui
    ):
        assert presiding_person(head_weihui.person.agency) == head_weihui.person
        head_leave = self.running_head_leave(leader, head_weihui, deputy_weihui)
        assert presiding_person(head_weihui.person.agency) == deputy_weihui.person
        pending = submit(staff_weihui, days_from_today(5))
        assert Notification.objects.filter(recipient=deputy_weihui, title__startswith="请假待审批").exists()
        assert actions.can_decide_leave(deputy_weihui, pending)
        assert not actions.can_decide_leave(head_weihui, pending)
        assert list(actions.leaves_awaiting(deputy_weihui)) == [pending]
        assert list(actions.leaves_awaiting(head_weihui)) == []

        actions.leave_return(head_leave, acting_user=head_weihui)
        assert presiding_person(head_weihui.person.agency) == head_weihui.person
        assert not actions.can_decide_leave(deputy_weihui, pending)
        assert list(actions.leaves_awaiting(head_weihui)) == [pending]
        assert Notification.objects.filter(recipient=head_weihui, title__contains="待您审批").exists()
        actions.leave_approve(pending, acting_user=head_weihui)

    def test_the_acting_person_answers_findings_only_while_presiding(
        self, inspector, leader, head_weihui, deputy_weihui
    ):
        from supervision.actions import findings

        finding = raise_finding(inspector, head_weihui.person.agency)
        assert head_weihui.person.agency not in agencies_for(deputy_weihui, Action.ACT_FOR)
        head_leave = self.running_head_leave(leader, head_weihui, deputy_weihui)
        assert list(agencies_for(deputy_weihui, Action.ACT_FOR)) == [head_weihui.person.agency]
        assert list(agencies_for(deputy_weihui, Action.OVERSEE_ATTENDANCE)) == [head_weihui.person.agency]
        findings.finding_answer(finding, acting_user=deputy_weihui, text="已按要求整改。")
        finding.refresh_from_db()
        assert finding.status == Finding.Status.ANSWERED
        actions.leave_return(head_leave, acting_user=head_weihui)
        assert not agencies_for(deputy_weihui, Action.ACT_FOR).exists()

    def test_a_leave_not_yet_started_or_not_approved_changes_nothing(self, leader, head_weihui, deputy_weihui):
        leave = submit(head_weihui, days_from_today(3), acting=deputy_weihui)
        assert presiding_person(head_weihui.person.agency) == head_weihui.person
        actions.leave_approve(leave, acting_user=leader)
        assert presiding_person(head_weihui.person.agency) == head_weihui.person

    def test_the_agency_page_shows_who_presides(self, client, leader, head_weihui, deputy_weihui, staff_weihui):
        agency = head_weihui.person.agency
        client.force_login(staff_weihui)
        body = client.get(reverse("org:agency_detail", args=[agency.pk])).content.decode()
        assert "今日主持工作" in body and "代为主持工作" not in body
        self.running_head_leave(leader, head_weihui, deputy_weihui)
        body = client.get(reverse("org:agency_detail", args=[agency.pk])).content.decode()
        assert "代为主持工作" in body and deputy_weihui.person.name in body

    def test_a_late_return_is_flagged_on_the_record_and_the_office_list(
        self, client, leader, office, head_weihui, deputy_weihui
    ):
        leave = self.running_head_leave(leader, head_weihui, deputy_weihui)
        Leave.objects.filter(pk=leave.pk).update(
            start_date=days_from_today(-6), end_date=days_from_today(-4), due_back_on=days_from_today(-3)
        )
        leave.refresh_from_db()
        assert leave.is_overdue_return
        client.force_login(office)
        body = client.get(reverse("attendance:filing_list")).content.decode()
        assert "逾期未销假" in body
        actions.leave_return(leave, acting_user=head_weihui)
        leave.refresh_from_db()
        assert leave.returned_late and leave.status == Status.RETURNED  # the filings are not acknowledged yet
        assert Notification.objects.filter(recipient=office, title__startswith="逾期销假").exists()
        body = client.get(reverse("attendance:filing_list"), {"late": "yes"}).content.decode()
        assert "逾期销假" in body and head_weihui.person.name in body
        client.force_login(head_weihui)
        body = client.get(reverse("attendance:leave_detail", args=[leave.pk])).content.decode()
        assert "晚于批准的期间" in body


class TestPermissions:
    def test_a_county_head_cannot_see_or_approve_another_countys_leaves(self, client, head_huixian, staff_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        with pytest.raises(PermissionDenied):
            actions.leave_approve(leave, acting_user=head_huixian)
        client.force_login(head_huixian)
        assert client.get(reverse("attendance:leave_detail", args=[leave.pk])).status_code == 404
        assert client.get(reverse("attendance:leave_pdf", args=[leave.pk])).status_code == 404
        response = client.post(reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "approve"})
        assert response.status_code == 404
        body = client.get(reverse("attendance:leave_list"), {"view": "all"}).content.decode()
        assert staff_weihui.person.name not in body
        leave.refresh_from_db()
        assert leave.status == Status.SUBMITTED

    def test_a_colleague_cannot_see_a_staff_members_leave(self, client, staff_weihui, staff2_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        client.force_login(staff2_weihui)
        assert client.get(reverse("attendance:leave_detail", args=[leave.pk])).status_code == 404

    def test_insiders_without_the_right_get_403(self, client, leader, head_weihui, staff_weihui):
        leave = submit(staff_weihui, days_from_today(1))
        client.force_login(leader)  # sees the city's leaves, but staff leave is the county head's to decide
        assert client.get(reverse("attendance:leave_detail", args=[leave.pk])).status_code == 200
        response = client.post(reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "approve"})
        assert response.status_code == 403
        client.force_login(staff_weihui)
        assert client.post(reverse("attendance:filing_acknowledge", args=[leave.pk])).status_code == 403
        assert client.get(reverse("attendance:leave_decide", args=[leave.pk])).status_code == 405
        assert client.get(reverse("attendance:agency_day", args=[staff_weihui.person.agency_id])).status_code == 403

    def test_other_countys_agency_pages_answer_404(self, client, org, head_huixian):
        client.force_login(head_huixian)
        for name in ("attendance:agency_day", "attendance:agency_month", "attendance:agency_month_export"):
            assert client.get(reverse(name, args=[org.weihui.pk])).status_code == 404


class TestPages:
    def test_new_leave_through_the_form(self, client, head_weihui, staff_weihui):
        client.force_login(staff_weihui)
        assert client.get(reverse("attendance:leave_new")).status_code == 200
        data = {
            "kind": request_for(days_from_today(1)).kind.pk,
            "start_date": days_from_today(1).isoformat(),
            "start_half": "am",
            "end_date": days_from_today(1).isoformat(),
            "end_half": "am",
            "reason": "办理证件",
            "contact": "13900001111",
        }
        response = client.post(reverse("attendance:leave_new"), data)
        leave = Leave.objects.get()
        assert response["Location"] == reverse("attendance:leave_detail", args=[leave.pk])
        assert leave.working_days in (0, 0.5)

    def test_bad_input_says_why_and_writes_nothing(self, client, head_weihui):
        client.force_login(head_weihui)
        data = {
            "kind": request_for(days_from_today(1)).kind.pk,
            "start_date": days_from_today(3).isoformat(),
            "start_half": "am",
            "end_date": days_from_today(2).isoformat(),
            "end_half": "pm",
            "reason": "x",
            "contact": "1",
        }
        response = client.post(reverse("attendance:leave_new"), data)
        body = response.content.decode()
        assert response.status_code == 400
        assert "结束时间不能早于开始时间" in body and "这个字段是必填项" in body  # the acting person
        assert not Leave.objects.exists()

    def test_the_report_form_pdf_carries_the_approval_trail(self, client, leader, head_weihui, deputy_weihui):
        leave = approved(head_weihui, leader, days_from_today(3), acting=deputy_weihui)
        client.force_login(head_weihui)
        response = client.get(reverse("attendance:leave_pdf", args=[leave.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "请销假报告单" in text
        assert deputy_weihui.person.name in text and "提交申请" in text and "批准" in text

    def test_leave_list_query_count_does_not_grow(self, client, org, head_weihui, django_assert_max_num_queries):
        client.force_login(head_weihui)
        url = reverse("attendance:leave_list") + "?view=all"

        def add(count: int, offset: int) -> None:
            for index in range(count):
                user = make_user(f"s{offset + index}", [Role.COUNTY_STAFF], org.weihui)
                submit(user, days_from_today(1))

        add(2, 0)
        client.get(url)
        with django_assert_max_num_queries(30) as small:
            client.get(url)
        add(20, 100)
        with django_assert_max_num_queries(30) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)
