"""Handling (第十六条): routing within remit or written transfer, deadlines in working days, replies, closure."""

from __future__ import annotations

import datetime
import io
import json
import re
import subprocess

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from complaints import actions
from complaints.models import ClockPause, Complaint, ComplaintEvent, ComplaintLetter
from complaints.tasks import mark_overdue_complaints_task
from supervision.models import AccountabilityRecord, Attachment, Finding, Notification
from supervision.permissions import Role
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.complaints.factories import accepted, external_body, submit
from tests.factories import make_user, verify_two_factor

pytestmark = pytest.mark.django_db


def pdf_text(letter: ComplaintLetter) -> str:
    with letter.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return re.sub(r"\s+", "", result.stdout.decode())


class TestRoutingAndTransferLetters:
    def test_transfer_out_of_remit_gives_written_notice_and_transfer_letter(self, org, handler):
        complaint, _code = submit(org, contact_name="李秀英")
        body = external_body(org)
        actions.complaint_transfer(complaint, acting_user=handler, body=body, reason="属于医疗保险报销事项。")
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.TRANSFERRED
        assert (complaint.transferred_to, complaint.closed_on) == (body, complaint.transferred_on)
        notice = complaint.letters.get(kind=ComplaintLetter.Kind.TRANSFER_NOTICE)
        letter = complaint.letters.get(kind=ComplaintLetter.Kind.TRANSFER_LETTER)
        assert notice.addressee == "李秀英" and letter.addressee == "新乡市医疗保障局"
        assert notice.number != letter.number and "〔" in notice.number

        text = pdf_text(notice)
        assert "李秀英" in text and "新乡市医疗保障局" in text and complaint.number in text
        assert "书面通知" in text and "第十六条" in text and notice.number in text
        text = pdf_text(letter)
        assert "新乡市医疗保障局" in text and complaint.number in text and "请依法处理" in text
        assert "养老金被无故停发" in text and "13903731234" in text  # the complainant's contact goes to the body

    def test_anonymous_report_transfer_notice_is_addressed_to_the_anonymous_reporter(self, org, handler):
        complaint, _code = submit(org, kind=Complaint.Kind.REPORT, contact_name="", contact_phone="", wants_reply=False)
        actions.complaint_transfer(complaint, acting_user=handler, body=external_body(org), reason="医保事项。")
        text = pdf_text(complaint.letters.get(kind=ComplaintLetter.Kind.TRANSFER_LETTER))
        assert "匿名举报" in text

    def test_routing_within_remit_gives_acceptance_notice_and_assignment(self, org, handler, head_weihui):
        complaint = accepted(org, handler)
        assert complaint.status == Complaint.Status.ACCEPTED and complaint.unit == org.weihui
        notice = complaint.letters.get(kind=ComplaintLetter.Kind.ACCEPTANCE_NOTICE)
        assignment = complaint.letters.get(kind=ComplaintLetter.Kind.ASSIGNMENT)
        text = pdf_text(notice)
        assert "张三" in text and "卫辉市社会保险中心" in text and complaint.number in text and "予以受理" in text
        text = pdf_text(assignment)
        assert "卫辉市社会保险中心" in text and complaint.number in text and "10个工作日" in text
        assert Notification.objects.filter(recipient=head_weihui, title__startswith="交办").exists()

    def test_transfer_body_of_another_city_is_refused(self, org, handler):
        from tests.factories import CityFactory

        complaint, _code = submit(org)
        stranger = external_body(org, name="外市医保局", city=CityFactory())
        with pytest.raises(PermissionDenied):
            actions.complaint_transfer(complaint, acting_user=handler, body=stranger, reason="x")


class TestDeadlinesInWorkingDays:
    def test_acceptance_clock_skips_the_national_day_holiday(self, org, travel, settings):
        settings.COMPLAINT_ACCEPT_WORKING_DAYS = 5
        travel(datetime.date(2026, 9, 30))
        complaint, _code = submit(org)
        # 10月1日至7日放假; 10月10日（周六）调休上班.
        assert complaint.received_on == datetime.date(2026, 9, 30)
        assert complaint.accept_due == datetime.date(2026, 10, 13)

    def test_reply_clock_counts_working_days_from_acceptance(self, org, handler, travel):
        travel(datetime.date(2026, 2, 12))
        complaint, _code = submit(org)
        complaint = actions.complaint_accept(complaint, acting_user=handler, unit=org.weihui, working_days=3)
        # 2月14日（周六）调休上班; 春节 2月15日起放假.
        assert complaint.accepted_on == datetime.date(2026, 2, 12)
        assert complaint.reply_due == datetime.date(2026, 2, 24)

    def test_pause_and_resume_move_the_deadline_by_the_working_days_paused(self, org, handler, head_weihui, travel):
        travel(datetime.date(2026, 6, 1))  # Monday
        complaint = accepted(org, handler)
        due = complaint.reply_due
        travel(datetime.date(2026, 6, 3))
        actions.complaint_pause(complaint, acting_user=head_weihui, reason="等待反映人补充材料")
        travel(datetime.date(2026, 6, 8))  # Wed → next Mon: Thu, Fri, Mon = 3 working days
        pause = actions.complaint_resume(complaint, acting_user=head_weihui)
        complaint.refresh_from_db()
        assert pause.working_days == 3 and pause.ended_on == datetime.date(2026, 6, 8)
        from supervision.workdays import add_working_days

        assert complaint.reply_due == add_working_days(due, 3, org.city)
        assert [event.kind for event in complaint.events.all()][-2:] == [
            ComplaintEvent.Kind.PAUSED,
            ComplaintEvent.Kind.RESUMED,
        ]

    def test_a_paused_clock_is_never_overdue_and_the_sweep_notifies_once(self, org, handler, head_weihui, travel):
        travel(datetime.date(2026, 6, 1))
        late = accepted(org, handler, title="逾期的件")
        paused = accepted(org, handler, title="暂停的件")
        actions.complaint_pause(paused, acting_user=head_weihui, reason="等待鉴定结论")
        waiting, _code = submit(org, title="未受理的件")
        travel(datetime.date(2026, 7, 1))
        assert actions.mark_overdue_complaints() == 2
        assert actions.mark_overdue_complaints() == 0
        late.refresh_from_db()
        paused.refresh_from_db()
        waiting.refresh_from_db()
        assert late.reply_overdue_since == datetime.date(2026, 7, 1) and paused.reply_overdue_since is None
        assert waiting.accept_overdue_since == datetime.date(2026, 7, 1)
        assert Notification.objects.filter(recipient=head_weihui, title__startswith="举报投诉逾期").count() == 1
        assert Notification.objects.filter(recipient=handler, title__startswith="举报投诉逾期").count() == 2
        assert set(Complaint.objects.overdue(datetime.date(2026, 7, 1))) == {late, waiting}

    def test_reopening_gives_a_new_deadline_and_clears_the_mark(self, org, handler, head_weihui, travel):
        travel(datetime.date(2026, 6, 1))
        complaint = accepted(org, handler)
        actions.complaint_reply(complaint, acting_user=head_weihui, text="已答复。", substantiation="partly")
        actions.complaint_close(complaint, acting_user=handler)
        travel(datetime.date(2026, 7, 1))
        complaint = actions.complaint_reopen(complaint, acting_user=handler, reason="反映人不满意", working_days=5)
        assert complaint.status == Complaint.Status.ACCEPTED
        assert complaint.reply_due == datetime.date(2026, 7, 8) and complaint.closed_on is None


@pytest.mark.django_db(transaction=True)
def test_daily_sweep_runs_on_a_real_worker_twice_and_marks_once(celery_worker, org, handler):
    complaint = accepted(org, handler)
    Complaint.objects.filter(pk=complaint.pk).update(reply_due=datetime.date(2020, 1, 6))
    assert mark_overdue_complaints_task.delay().get(timeout=30) == 1
    assert mark_overdue_complaints_task.delay().get(timeout=30) == 0
    complaint.refresh_from_db()
    assert complaint.reply_overdue_since is not None
    assert complaint.events.filter(kind=ComplaintEvent.Kind.OVERDUE).count() == 1


class TestWorkflow:
    def test_reply_close_and_staff_recorded_satisfaction(self, org, handler, head_weihui):
        complaint = accepted(org, handler)
        actions.complaint_reply(complaint, acting_user=head_weihui, text="已恢复发放。", substantiation="substantiated")
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.REPLIED and complaint.reply == "已恢复发放。"
        assert complaint.letters.filter(kind=ComplaintLetter.Kind.REPLY).exists()
        assert Notification.objects.filter(recipient=handler, title__startswith="已答复").exists()
        actions.complaint_close(complaint, acting_user=handler)
        actions.complaint_rate(complaint, acting_user=handler, satisfaction="satisfied", comment="电话回访")
        complaint.refresh_from_db()
        assert (complaint.status, complaint.satisfaction) == (Complaint.Status.CLOSED, "satisfied")
        assert complaint.history.count() >= 5

    def test_illegal_moves_are_refused(self, org, handler, head_weihui):
        complaint, _code = submit(org)
        with pytest.raises(TransitionNotAllowed):
            actions.complaint_reply(complaint, acting_user=handler, text="x", substantiation="partly")
        with pytest.raises(TransitionNotAllowed):
            actions.complaint_close(complaint, acting_user=handler)
        actions.complaint_decline(complaint, acting_user=handler, reason="无具体事实。")
        with pytest.raises(TransitionNotAllowed):
            actions.complaint_accept(complaint, acting_user=handler, unit=org.weihui)
        with pytest.raises(TransitionNotAllowed):
            actions.complaint_transfer(complaint, acting_user=handler, body=external_body(org), reason="x")

    def test_stale_version_is_refused(self, org, handler, head_weihui):
        complaint, _code = submit(org)
        seen = complaint.version
        actions.complaint_pause(complaint, acting_user=handler, reason="等待材料", version=seen)
        with pytest.raises(EditConflict):
            actions.complaint_accept(complaint, acting_user=handler, unit=org.weihui, version=seen)
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.RECEIVED

    def test_merge_duplicates(self, org, handler):
        master, _code = submit(org)
        duplicate, _code = submit(org)
        actions.complaint_merge(duplicate, acting_user=handler, master=master, reason="同一事项")
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.merged_into) == (Complaint.Status.MERGED, master)
        with pytest.raises(TransitionNotAllowed):
            actions.complaint_merge(master, acting_user=handler, master=duplicate)
        assert master.events.filter(kind=ComplaintEvent.Kind.MERGED).exists()

    def test_county_head_handles_what_is_routed_to_them_but_does_not_triage(
        self, org, handler, head_weihui, head_huixian
    ):
        complaint = accepted(org, handler)
        with pytest.raises(PermissionDenied):
            actions.complaint_reply(complaint, acting_user=head_huixian, text="越权", substantiation="partly")
        with pytest.raises(PermissionDenied):
            actions.complaint_reassign(complaint, acting_user=head_weihui, unit=org.weihui, reason="x")
        fresh, _code = submit(org)
        with pytest.raises(PermissionDenied):
            actions.complaint_accept(fresh, acting_user=head_weihui, unit=org.weihui)

    def test_one_click_finding_from_a_substantiated_complaint(self, org, handler, head_weihui):
        complaint = accepted(org, handler)
        with pytest.raises(TransitionNotAllowed):
            actions.complaint_raise_finding(complaint, acting_user=handler)
        actions.complaint_reply(
            complaint, acting_user=head_weihui, text="属实，已整改。", substantiation="substantiated"
        )
        finding = actions.complaint_raise_finding(complaint, acting_user=handler)
        assert finding.source == Finding.Source.COMPLAINT and finding.source_record == complaint
        assert finding.agency == org.weihui and finding.article == "第十六条"
        assert actions.complaint_raise_finding(complaint, acting_user=handler) == finding  # once only
        assert Finding.objects.count() == 1


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="supervision", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


class TestWhoSeesWhat:
    def test_county_head_sees_only_complaints_routed_to_their_agency(self, client, org, handler, head_weihui):
        routed = accepted(org, handler, title="交办卫辉的件")
        about_weihui, _code = submit(org, title="反映卫辉但未交办的件")
        elsewhere = accepted(org, handler, unit=org.huixian, title="交办辉县的件")
        client.force_login(head_weihui)
        body = client.get(reverse("complaints:list")).content.decode()
        assert "交办卫辉的件" in body
        assert "反映卫辉但未交办的件" not in body and "交办辉县的件" not in body
        assert client.get(reverse("complaints:detail", args=[routed.pk])).status_code == 200
        assert client.get(reverse("complaints:detail", args=[about_weihui.pk])).status_code == 404
        assert client.get(reverse("complaints:detail", args=[elsewhere.pk])).status_code == 404
        export = load_workbook(io.BytesIO(client.get(reverse("complaints:export")).content)).active
        assert [row[0] for row in export.iter_rows(min_row=2, values_only=True)] == [routed.number]

    def test_colleagues_without_the_right_get_403(self, client, org, handler, staff_weihui, inspector):
        complaint = accepted(org, handler)
        for user in (staff_weihui, inspector):
            client.force_login(user)
            assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 403
            assert client.get(reverse("complaints:list")).status_code == 403
            letter = complaint.letters.first()
            assert client.get(reverse("complaints:letter", args=[complaint.pk, letter.pk])).status_code == 403

    def test_accountability_records_are_restricted(self, client, org, handler, head_weihui, admin_user, staff_weihui):
        complaint = accepted(org, handler)
        with pytest.raises(PermissionDenied):
            actions.complaint_accountability(
                complaint,
                acting_user=handler,
                agency=org.weihui,
                breach="违反限时办结制",
                decision="诫勉谈话",
                consequence=AccountabilityRecord.Consequence.ADMONITION,
                decided_by="卫辉市人社局",
                decided_on=datetime.date(2026, 6, 1),
            )
        verify_two_factor(client, admin_user)
        response = client.post(
            reverse("complaints:accountability", args=[complaint.pk]),
            {
                "agency": org.weihui.pk,
                "person": staff_weihui.person.pk,
                "breach": "违反限时办结制",
                "decision": "对经办人员诫勉谈话",
                "consequence": AccountabilityRecord.Consequence.TRANSFER,
                "decided_by": "卫辉市人社局",
                "decided_on": "2026-06-01",
            },
        )
        assert response.status_code == 302
        record = AccountabilityRecord.objects.get()
        assert record.source_record == complaint and record.person == staff_weihui.person
        assert "对经办人员诫勉谈话" in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
        for user in (handler, head_weihui):
            client.force_login(user)
            body = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
            assert "对经办人员诫勉谈话" not in body and "责任追究" not in body
            assert client.post(reverse("complaints:accountability", args=[complaint.pk]), {}).status_code == 403
        granted = grant(handler, "view_accountabilityrecord")
        client.force_login(granted)
        assert "对经办人员诫勉谈话" in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


class TestPages:
    def test_handler_accepts_through_the_form(self, client, org, handler):
        complaint, _code = submit(org)
        client.force_login(handler)
        response = client.post(
            reverse("complaints:accept", args=[complaint.pk]),
            {"unit": org.weihui.pk, "working_days": 15, "note": "请核实", "version": complaint.version},
        )
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.ACCEPTED and complaint.reply_working_days == 15

    def test_handler_transfers_through_the_form_and_downloads_the_letter(self, client, org, handler):
        complaint, _code = submit(org)
        body = external_body(org)
        client.force_login(handler)
        response = client.post(
            reverse("complaints:transfer", args=[complaint.pk]),
            {"body": body.pk, "reason": "医保事项", "version": complaint.version},
        )
        assert response.status_code == 302
        letter = complaint.letters.get(kind=ComplaintLetter.Kind.TRANSFER_LETTER)
        download = client.get(reverse("complaints:letter", args=[complaint.pk, letter.pk]))
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"

    def test_transfer_without_a_reason_writes_nothing_and_says_why(self, client, org, handler):
        complaint, _code = submit(org)
        client.force_login(handler)
        response = client.post(
            reverse("complaints:transfer", args=[complaint.pk]),
            {"body": external_body(org).pk, "reason": "", "version": complaint.version},
        )
        assert response.status_code == 400
        assert "这个字段是必填项" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.RECEIVED and not complaint.letters.exists()

    def test_stale_form_shows_a_conflict_message(self, client, org, handler):
        complaint, _code = submit(org)
        client.force_login(handler)
        response = client.post(
            reverse("complaints:decline", args=[complaint.pk]),
            {"reason": "无事实", "version": complaint.version - 1},
            follow=True,
        )
        assert "已被他人修改" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.RECEIVED

    def test_state_changes_are_post_only(self, client, org, handler):
        complaint, _code = submit(org)
        client.force_login(handler)
        for name in ("accept", "transfer", "decline", "merge", "note", "pause", "resume", "reply", "close", "reopen"):
            assert client.get(reverse(f"complaints:{name}", args=[complaint.pk])).status_code == 405, name

    def test_county_head_may_not_triage_and_other_county_gets_404(
        self, client, org, handler, head_weihui, head_huixian
    ):
        complaint = accepted(org, handler)
        client.force_login(head_weihui)
        data = {"unit": org.weihui.pk, "reason": "x", "version": complaint.version}
        assert client.post(reverse("complaints:reassign", args=[complaint.pk]), data).status_code == 403
        client.force_login(head_huixian)
        assert client.post(reverse("complaints:reply", args=[complaint.pk]), {"text": "x"}).status_code == 404

    def test_head_replies_and_adds_a_note_with_evidence(self, client, org, handler, head_weihui):
        from tests.supervision.factories import pdf_upload

        complaint = accepted(org, handler)
        client.force_login(head_weihui)
        response = client.post(
            reverse("complaints:note", args=[complaint.pk]), {"text": "调取了停发记录", "files": [pdf_upload()]}
        )
        assert response.status_code == 302
        note = complaint.events.get(kind=ComplaintEvent.Kind.NOTE)
        assert Attachment.objects.for_object(note).get().uploaded_by == head_weihui
        response = client.post(
            reverse("complaints:reply", args=[complaint.pk]),
            {"text": "已恢复发放。", "substantiation": "substantiated", "version": complaint.version},
        )
        assert response.status_code == 302
        body = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
        assert "调取了停发记录" in body and "已恢复发放。" in body and "整改报告.pdf" in body

    def test_one_click_finding_button(self, client, org, handler, head_weihui):
        complaint = accepted(org, handler)
        actions.complaint_reply(complaint, acting_user=head_weihui, text="属实。", substantiation="substantiated")
        client.force_login(handler)
        assert "一键登记问题" in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
        response = client.post(reverse("complaints:finding", args=[complaint.pk]), {"article": "第六条"})
        finding = Finding.objects.get()
        assert response["Location"] == reverse("findings:detail", args=[finding.pk])
        assert finding.article == "第六条"
        client.force_login(head_weihui)
        assert client.post(reverse("complaints:finding", args=[complaint.pk]), {"article": "x"}).status_code == 403

    def test_list_filters_overdue(self, client, org, handler):
        late = accepted(org, handler, title="逾期的件")
        accepted(org, handler, title="按期的件")
        Complaint.objects.filter(pk=late.pk).update(reply_due=datetime.date(2020, 1, 6))
        client.force_login(handler)
        body = client.get(reverse("complaints:list"), {"overdue": "yes"}).content.decode()
        assert "逾期的件" in body and "按期的件" not in body

    def test_list_query_count_does_not_grow(self, client, org, handler, django_assert_max_num_queries):
        client.force_login(handler)
        url = reverse("complaints:list")
        accepted(org, handler)
        client.get(url)
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        body_ = external_body(org)
        for index in range(15):
            complaint, _code = submit(org, title=f"件{index}")
            if index % 3 == 0:
                actions.complaint_transfer(complaint, acting_user=handler, body=body_, reason="x")
            elif index % 3 == 1:
                actions.complaint_accept(complaint, acting_user=handler, unit=org.huixian)
                actions.complaint_pause(complaint, acting_user=handler, reason="等待材料")
        with django_assert_max_num_queries(20) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_detail_query_count_does_not_grow_with_the_thread(
        self, client, org, handler, head_weihui, django_assert_max_num_queries
    ):
        complaint = accepted(org, handler)
        client.force_login(handler)
        url = reverse("complaints:detail", args=[complaint.pk])
        client.get(url)
        with django_assert_max_num_queries(60) as small:
            client.get(url)
        for index in range(10):
            actions.complaint_note(complaint, acting_user=head_weihui, text=f"记录{index}")
        with django_assert_max_num_queries(60) as large:
            client.get(url)
        assert len(large.captured_queries) <= len(small.captured_queries) + 2  # history panel rows aside

    def test_dashboard_counts_and_trend_chart(self, client, org, handler):
        accepted(org, handler)
        complaint, _code = submit(org, kind=Complaint.Kind.REPORT)
        actions.complaint_transfer(complaint, acting_user=handler, body=external_body(org), reason="x")
        client.force_login(handler)
        response = client.get(reverse("complaints:dashboard"))
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-chart-json="complaint-trend"' in body
        option = json.loads(
            re.search(r'<script id="complaint-trend" type="application/json">(.*?)</script>', body, re.S).group(1)
        )
        received = next(series for series in option["series"] if series["name"] == "收到")
        assert received["data"][-1] == 2 and len(received["data"]) == 12
        assert "已移交" in body and "办理中" in body and "社会保险待遇支付" in body

    def test_dashboard_costs_at_most_15_queries_at_two_sizes(self, client, org, handler, django_assert_max_num_queries):
        """Issue 9: the totals, the overdue counts and the 12-month trend are one query each."""
        submit(org)
        client.force_login(handler)
        url = reverse("complaints:dashboard")
        client.get(url)
        with django_assert_max_num_queries(15) as small:
            assert client.get(url).status_code == 200
        accepted(org, handler)
        for _index in range(5):
            submit(org, kind=Complaint.Kind.REPORT)
        with django_assert_max_num_queries(15) as large:
            assert client.get(url).status_code == 200
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_dashboard_is_for_handlers_and_heads(self, client, org, inspector):
        client.force_login(inspector)
        assert client.get(reverse("complaints:dashboard")).status_code == 403

    def test_home_dashboard_card_and_public_portal(self, client, org, handler):
        submit(org)
        client.force_login(handler)
        body = client.get(reverse("dashboard")).content.decode()
        assert "待受理" in body
        client.logout()
        body = client.get(reverse("public:home")).content.decode()
        assert reverse("complaints:new") in body and reverse("complaints:track") in body


def test_county_handler_reaches_own_county_only(org, handler):
    complaint = accepted(org, handler, unit=org.huixian)
    weihui_handler = make_user("weihui_handler", [Role.COMPLAINT_HANDLER], org.weihui_bureau)
    with pytest.raises(PermissionDenied):
        actions.complaint_reply(complaint, acting_user=weihui_handler, text="x", substantiation="partly")
    assert not ClockPause.objects.exists()
