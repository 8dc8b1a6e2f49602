"""The public complaint form and tracking, fuzzed (issue 10, item 4): never a server error, a clear
message, nothing written on bad input, and tracking reveals nothing for a wrong code.

The captcha is solved as the complaint tests do (`tests.complaints.factories.captcha_answer`: the answer
read from the store, as only the server knows it). The hourly limits are reset before each example.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint, ComplaintEvent
from complaints.public_views import TRACKED_SESSION_KEY
from supervision.models import Attachment, Notification
from tests.complaints.factories import captcha_answer, intake_data, submit

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NEW, TRACK = "/complaints/new/", "/complaints/track/"
NEUTRAL = "没有找到与该查询码相符的举报投诉"
FIELDS = (
    "kind",
    "city",
    "agency",
    "matter_type",
    "title",
    "description",
    "occurred_on",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_address",
    "wants_reply",
    "consent",
    "captcha_0",
    "captcha_1",
)

control = st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=20)
nasty = st.one_of(
    st.text(max_size=200),
    control,
    st.text(min_size=5001, max_size=12000, alphabet="投诉<>&\"'\u202e\u0000"),
    st.sampled_from(["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "' OR 1=1 --", "9999-99-99", "-1", "0"]),
    st.integers().map(str),
    st.just(""),
)
# A wrong type: a list where one value is expected, or a number, or nothing at all.
value = st.one_of(nasty, st.lists(nasty, min_size=2, max_size=3), st.none())


def counts() -> tuple[int, int, int, int]:
    return (
        Complaint.objects.count(),
        ComplaintEvent.objects.count(),
        Attachment.objects.count(),
        Notification.objects.count(),
    )


def body_of(response: Any) -> str:
    return response.content.decode("utf-8", errors="replace")


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(FIELDS), value, min_size=1, max_size=6))
def test_intake_never_errors_and_writes_nothing_it_refuses(client, org, changes):
    cache.clear()
    data = intake_data(org)
    for name, new in changes.items():
        if new is None:
            data.pop(name, None)
        else:
            data[name] = new
    if "captcha_0" not in changes and "captcha_1" not in changes:
        data.update(captcha_answer())
    before = counts()
    response = client.post(NEW, data)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert counts() == before, "a refused complaint wrote something"
        body = body_of(response)
        assert "is-invalid" in body or "alert-danger" in body, "refused without saying why"
        assert "<script>alert(1)</script>" not in body
    else:
        assert counts()[0] == before[0] + 1
        stored = Complaint.objects.order_by("-pk").first()
        assert "\x00" not in stored.title + stored.description


@FUZZ
@given(upload=st.binary(max_size=3000), name=st.text(min_size=1, max_size=80))
@example(upload=b"", name=".")  # a name Django's parser drops: the complaint is stored without it
@example(upload=b"%PDF-1.4 x", name='a"b\r\nContent-Type: text/html; x=".pdf')
@example(upload=b"%PDF-1.4 x", name="..\\..\\etc\\passwd.pdf")
def test_intake_with_junk_files_never_errors(client, org, upload, name):
    cache.clear()
    before = counts()
    file = io.BytesIO(upload)
    file.name = name  # sent as is: Django's multipart parser, then our checks, decide what it is
    response = client.post(NEW, intake_data(org, files=[file]))
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert counts() == before
        assert "is-invalid" in body_of(response) or "alert-danger" in body_of(response)


def test_intake_without_the_csrf_token_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.get(NEW)  # the form page sets the cookie; the token is left out of the post
    before = counts()
    response = client.post(NEW, intake_data(org))
    assert response.status_code == 403
    assert counts() == before


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
plausible_code = st.lists(st.text(alphabet=CODE_ALPHABET, min_size=4, max_size=4), min_size=4, max_size=4).map("-".join)


@FUZZ
@given(code=st.one_of(plausible_code, nasty), contact=st.one_of(st.just(""), st.just("13903731234"), nasty))
def test_tracking_reveals_nothing_for_a_wrong_code(client, org, code, contact):
    cache.clear()
    complaint, real = submit(org, title="保密标题甲", description="保密内容：反映人身份证号等。")
    if code.replace("-", "").upper() == real.replace("-", ""):
        return
    before = counts()
    response = client.post(TRACK, {"code": code, "contact": contact})
    assert response.status_code in (200, 404), response.status_code
    body = body_of(response)
    assert TRACKED_SESSION_KEY not in client.session
    assert complaint.title not in body and complaint.number not in body and "保密内容" not in body
    if response.status_code == 404:
        assert NEUTRAL in body
    else:
        assert "is-invalid" in body, "an unreadable code is refused with the form's message"
    assert counts() == before


def test_a_real_code_with_the_wrong_contact_reveals_nothing(client, org):
    cache.clear()
    complaint, code = submit(org, title="保密标题乙")
    response = client.post(TRACK, {"code": code, "contact": "13800000000"})
    assert response.status_code == 404
    assert NEUTRAL in body_of(response) and complaint.title not in body_of(response)
    assert TRACKED_SESSION_KEY not in client.session
