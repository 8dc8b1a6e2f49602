"""Public tracking (第十六条): the code (and the contact, when one was given) shows public fields only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from complaints import actions
from complaints.models import Complaint, ComplaintLetter
from tests.complaints.factories import external_body, submit

pytestmark = pytest.mark.django_db

TRACK = "/complaints/track/"
NEUTRAL = "没有找到与该查询码相符的举报投诉"


def neutral(response) -> str:
    """The page without what legitimately differs between two answers: the CSRF token and the typed values."""
    body = response.content.decode()
    body = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", body)
    return re.sub(r' value="[^"]*"', "", body)


def track(client, code: str, contact: str = ""):
    return client.post(TRACK, {"code": code, "contact": contact})


class TestPublicFieldsOnly:
    def test_accepted_replied_complaint_shows_unit_dates_and_reply_but_nothing_internal(
        self, client, org, handler, head_weihui
    ):
        complaint, code = submit(org)
        actions.complaint_accept(complaint, acting_user=handler, unit=org.weihui, note="交办意见：内部交办说明")
        actions.complaint_note(complaint, acting_user=head_weihui, text="内部调查：经办员王某承认拖延")
        actions.complaint_reply(
            complaint,
            acting_user=head_weihui,
            text="经核实，已于6月恢复发放并补发停发期间的养老金。",
            substantiation=Complaint.Substantiation.SUBSTANTIATED,
        )
        response = track(client, code.lower().replace("-", " "), "13903731234")  # typed loosely
        assert response.status_code == 302
        body = client.get(response["Location"]).content.decode()
        assert "卫辉市社会保险中心" in body  # accepted by whom
        assert "已答复" in body and "补发停发期间的养老金" in body
        assert complaint.number in body
        for secret in ("内部调查", "王某", "内部交办说明", "handler", "head_weihui的姓名", "属实"):
            assert secret not in body, secret
        assert "受理告知书" in body and "答复意见书" in body and "交办单" not in body

    def test_transferred_complaint_says_to_which_body_and_when(self, client, org, handler):
        complaint, code = submit(org, kind=Complaint.Kind.REPORT, contact_name="", contact_phone="", wants_reply=False)
        body_ = external_body(org)
        actions.complaint_transfer(complaint, acting_user=handler, body=body_, reason="属于医保报销问题。")
        client.post(TRACK, {"code": code})
        body = client.get(reverse("complaints:track_result")).content.decode()
        complaint.refresh_from_db()
        assert f"已于 {complaint.transferred_on} 书面通知并移交 新乡市医疗保障局 处理" in body
        assert "0373-1234567" in body
        assert "书面通知（移交告知）" in body and "移交函" not in body

    def test_visitor_downloads_the_written_notice_but_not_the_transfer_letter(self, client, org, handler):
        complaint, code = submit(org, contact_phone="", contact_name="", wants_reply=False)
        actions.complaint_transfer(complaint, acting_user=handler, body=external_body(org), reason="医保问题。")
        notice = complaint.letters.get(kind=ComplaintLetter.Kind.TRANSFER_NOTICE)
        letter = complaint.letters.get(kind=ComplaintLetter.Kind.TRANSFER_LETTER)
        assert client.get(reverse("complaints:track_letter", args=[notice.pk])).status_code == 404  # not tracked yet
        track(client, code)
        response = client.get(reverse("complaints:track_letter", args=[notice.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert client.get(reverse("complaints:track_letter", args=[letter.pk])).status_code == 404

    def test_merged_duplicate_follows_the_master(self, client, org, handler, head_weihui):
        master = actions.complaint_accept(submit(org)[0], acting_user=handler, unit=org.weihui)
        duplicate, code = submit(org, contact_phone="", contact_name="", wants_reply=False)
        actions.complaint_merge(duplicate, acting_user=handler, master=master)
        actions.complaint_reply(master, acting_user=head_weihui, text="已恢复发放。", substantiation="partly")
        track(client, code)
        body = client.get(reverse("complaints:track_result")).content.decode()
        assert master.number in body and "已恢复发放。" in body
        assert "张三" not in body  # the master's complainant stays private


class TestNothingRevealed:
    def test_unknown_code_and_wrong_contact_get_the_same_answer(self, client, org):
        complaint, code = submit(org)
        unknown = track(client, "ABCD-EFGH-JKMN-PQRS", "13903731234")
        wrong_contact = track(client, code, "13800000000")
        no_contact = track(client, code, "")
        assert unknown.status_code == wrong_contact.status_code == no_contact.status_code == 404
        assert neutral(unknown) == neutral(wrong_contact) == neutral(no_contact)
        assert NEUTRAL in unknown.content.decode()
        assert complaint.number not in unknown.content.decode()
        assert client.get(reverse("complaints:track_result")).status_code == 302  # nothing tracked

    def test_wrong_codes_are_rate_limited_even_for_a_right_code_afterwards(self, client, org, settings):
        settings.COMPLAINT_TRACK_FAILURES_PER_15_MIN = 3
        _complaint, code = submit(org)
        for _index in range(3):
            assert track(client, "ABCD-EFGH-JKMN-PQRS").status_code == 404
        limited = track(client, code, "13903731234")
        assert limited.status_code == 429
        assert "查询失败次数过多" in limited.content.decode()

    def test_the_page_is_public_and_wrong_methods_are_refused(self, client, org):
        assert client.get(TRACK).status_code == 200
        assert client.put(TRACK).status_code == 405
        assert client.post(reverse("complaints:track_result")).status_code == 405
        assert client.get(reverse("complaints:track_rate")).status_code == 405


class TestRating:
    def test_visitor_rates_once(self, client, org, handler, head_weihui):
        untouched = actions.complaint_accept(submit(org)[0], acting_user=handler, unit=org.weihui)
        complaint, code = submit(org)
        complaint = actions.complaint_accept(complaint, acting_user=handler, unit=org.weihui)
        actions.complaint_reply(complaint, acting_user=head_weihui, text="已处理。", substantiation="partly")
        track(client, code, "139-0373-1234")
        response = client.post(reverse("complaints:track_rate"), {"satisfaction": "dissatisfied", "comment": "太慢"})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.satisfaction == Complaint.Satisfaction.DISSATISFIED
        again = client.post(reverse("complaints:track_rate"), {"satisfaction": "satisfied"}, follow=True)
        assert "已经评价过了" in again.content.decode()
        complaint.refresh_from_db()
        assert complaint.satisfaction == Complaint.Satisfaction.DISSATISFIED
        untouched.refresh_from_db()
        assert untouched.satisfaction == ""

    def test_rating_needs_a_tracked_complaint(self, client, org):
        response = client.post(reverse("complaints:track_rate"), {"satisfaction": "satisfied"})
        assert response.status_code == 302 and response["Location"] == TRACK
