"""Public intake (第十六条): stored with a code, refused with reasons, limited, and never lost."""

from __future__ import annotations

import pytest
from captcha.models import CaptchaStore
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent
from complaints.public_views import RECEIPT_COOKIE
from supervision.celery import app as celery_app
from supervision.models import Attachment, Notification
from tests.complaints.factories import captcha_answer, intake_data
from tests.supervision.factories import pdf_upload

pytestmark = pytest.mark.django_db

URL = "/complaints/new/"


def nothing_written() -> bool:
    return not Complaint.objects.exists() and not Attachment.objects.exists() and not ComplaintEvent.objects.exists()


class TestValidSubmission:
    def test_anonymous_report_is_stored_with_a_code_and_a_receipt(self, client, org, handler):
        response = client.post(URL, intake_data(org, files=[pdf_upload("证明.pdf")]))
        assert response.status_code == 302
        assert response["Location"] == reverse("complaints:receipt")
        complaint = Complaint.objects.get()
        assert complaint.status == Complaint.Status.RECEIVED
        assert complaint.kind == Complaint.Kind.REPORT
        assert complaint.agency == org.weihui
        assert complaint.unit == org.city_bureau  # received by the city bureau, not by the agency reported on
        assert complaint.is_anonymous
        assert complaint.number.startswith("JB")

        receipt = client.get(reverse("complaints:receipt"))
        body = receipt.content.decode()
        code = body.split('data-testid="tracking-code">')[1].split("<")[0]
        assert len(code) == 19 and code.count("-") == 3
        assert complaint.code_matches(code)
        assert code not in str(Complaint.objects.values().get())  # only the hash is stored
        assert complaint.number in body

        [attachment] = Attachment.objects.for_object(complaint)
        assert attachment.original_name == "证明.pdf" and attachment.uploaded_by is None
        assert Notification.objects.filter(recipient=handler, title__contains="待受理").exists()
        assert complaint.events.get().kind == ComplaintEvent.Kind.RECEIVED

    def test_receipt_needs_the_signed_cookie(self, client, org):
        client.post(URL, intake_data(org))
        client.cookies[RECEIPT_COOKIE] = "1:ABCD-EFGH-JKMN-PQRS"
        response = client.get(reverse("complaints:receipt"))
        assert response.status_code == 302 and response["Location"] == reverse("complaints:track")

    def test_complaint_wanting_a_reply_with_contact(self, client, org):
        data = intake_data(
            org,
            kind="complaint",
            agency="",
            contact_name="李秀英",
            contact_phone="13903731234",
            wants_reply="on",
        )
        assert client.post(URL, data).status_code == 302
        complaint = Complaint.objects.get()
        assert complaint.agency is None and complaint.wants_reply and complaint.number.startswith("TS")

    def test_page_is_public_and_shows_a_captcha_image_that_is_drawn_offline(self, client, org):
        body = client.get(URL).content.decode()
        assert "验证码" in body and "任何组织或者个人有权" in body
        key = CaptchaStore.objects.latest("pk").hashkey
        image = client.get(f"/captcha/image/{key}/")
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        assert image.content.startswith(b"\x89PNG")
        refreshed = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        assert refreshed.status_code == 200 and "image_url" in refreshed.json()

    def test_wrong_method(self, client, org):
        assert client.put(URL).status_code == 405


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"description": ""}, "这个字段是必填项"),
            ({"description": "太短"}, "至少10个字"),
            ({"title": ""}, "这个字段是必填项"),
            ({"consent": ""}, "这个字段是必填项"),
            ({"kind": "complaint", "wants_reply": "on"}, "需要答复的投诉请至少留下一种联系方式"),
            ({"kind": "complaint", "wants_reply": "on", "contact_phone": "139"}, "需要答复的投诉请留下姓名"),
            ({"captcha_1": "wrong"}, "验证码不正确或已过期"),
            ({"occurred_on": "2999-01-01"}, "发生时间不能晚于今天"),
        ],
    )
    def test_writes_nothing_and_says_why(self, client, org, overrides, message):
        response = client.post(URL, intake_data(org, **overrides))
        assert response.status_code == 400
        body = response.content.decode()
        assert message in body
        assert "什么都没有保存" in body
        assert nothing_written()

    def test_bad_attachment_writes_nothing(self, client, org):
        fake = SimpleUploadedFile("证据.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        response = client.post(URL, intake_data(org, files=[fake]))
        assert response.status_code == 400
        assert "不是允许的类型" in response.content.decode()
        assert nothing_written()

    def test_too_many_files(self, client, org, settings):
        settings.COMPLAINT_MAX_FILES = 2
        files = [pdf_upload(f"{index}.pdf") for index in range(3)]
        response = client.post(URL, intake_data(org, files=files))
        assert response.status_code == 400
        assert "最多上传 2 个文件" in response.content.decode()
        assert nothing_written()

    def test_agency_of_another_city_is_refused(self, client, org):
        from tests.factories import AgencyFactory

        stranger = AgencyFactory()
        response = client.post(URL, intake_data(org, agency=stranger.pk))
        assert response.status_code == 400
        assert nothing_written()

    def test_a_captcha_answer_works_once(self, client, org):
        answer = captcha_answer()
        assert client.post(URL, intake_data(org, **answer)).status_code == 302
        assert client.post(URL, intake_data(org, **answer)).status_code == 400
        assert Complaint.objects.count() == 1


class TestAbuseResistance:
    def test_rate_limit_per_address(self, client, org, settings):
        settings.COMPLAINT_INTAKE_PER_HOUR = 2
        for _index in range(2):
            assert client.post(URL, intake_data(org)).status_code == 302
        response = client.post(URL, intake_data(org))
        assert response.status_code == 429
        assert "提交的举报投诉过多" in response.content.decode()
        assert Complaint.objects.count() == 2
        other = client.post(URL, intake_data(org), REMOTE_ADDR="10.9.8.7")
        assert other.status_code == 302  # another address is not affected

    def test_behind_the_proxy_the_forwarded_address_counts(self, client, org, settings):
        settings.COMPLAINT_INTAKE_PER_HOUR = 1
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        assert client.post(URL, intake_data(org), HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 302
        assert client.post(URL, intake_data(org), HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429
        assert client.post(URL, intake_data(org), HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 302


class TestResilience:
    def test_stored_with_redis_stopped(
        self, client, org, handler, settings, monkeypatch, django_capture_on_commit_callbacks
    ):
        """Cache and broker on a closed port: no rate limit, no queued mail, but the complaint is kept."""
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        handler.email = "handler@hrss.example.cn"
        handler.save()
        monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
        monkeypatch.setitem(celery_app.conf, "broker_connection_retry", False)
        monkeypatch.setitem(celery_app.conf, "broker_connection_max_retries", 0)
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(URL, intake_data(org))
        assert response.status_code == 302
        assert callbacks  # the mail was due to be queued after commit, and failing to queue it broke nothing
        complaint = Complaint.objects.get()
        notification = Notification.objects.get(recipient=handler)
        assert notification.emailed_at is None and not notification.mail_skipped  # left for the retry sweep
        assert client.get(reverse("complaints:receipt")).status_code == 200
        assert complaint.number in client.get(reverse("complaints:receipt")).content.decode()

    def test_stored_with_mail_failing(
        self, client, org, handler, settings, monkeypatch, django_capture_on_commit_callbacks
    ):
        handler.email = "handler@hrss.example.cn"
        handler.save()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
        monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # send in this process, and fail here
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, intake_data(org))
        assert response.status_code == 302
        assert Complaint.objects.count() == 1
        notification = Notification.objects.get(recipient=handler)
        assert notification.emailed_at is None and notification.mail_attempts == 1 and notification.mail_error
        assert mail.outbox == []
