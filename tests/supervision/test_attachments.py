from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from supervision.actions import findings as actions
from supervision.attachments import EvidenceField, validate_upload
from supervision.models import Attachment
from tests.supervision.factories import (
    PDF_BYTES,
    pdf_upload,
    png_upload,
    raise_finding,
    with_unknown_zip_version,
    xlsx_bytes,
)

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("整改报告.pdf", PDF_BYTES, "application/pdf"),
        ("照片.PNG", png_upload().read(), "image/png"),
        ("对账单.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("旧版文档.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/x-ole-storage"),
    ],
)
def test_allowed_types_are_recognised_by_content(name, content, mime):
    assert validate_upload(upload(name, content)).mime_type == mime


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("整改报告.pdf", EXE_BYTES),  # a renamed executable
        ("setup.exe", EXE_BYTES),
        ("照片.png", PDF_BYTES),  # content and extension disagree
        ("对账单.pdf", xlsx_bytes()),
        ("材料.zip", b"PK\x03\x04" + b"\x00" * 100),  # archives are refused
        ("对账单.xlsx", with_unknown_zip_version(xlsx_bytes())),  # a damaged workbook
        ("说明.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_other_content_is_refused_with_a_clear_message(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload(name, content))
    assert "内容不是允许的类型" in str(refused.value.messages[0])
    assert name in refused.value.messages[0]


def test_oversize_file_is_refused_naming_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("大文件.pdf", PDF_BYTES + b"0" * (1024 * 1024)))
    assert "超过大小上限 1.0 MB" in refused.value.messages[0]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError):
        validate_upload(upload("空.pdf", b""))


def test_field_reports_every_bad_file():
    with pytest.raises(ValidationError) as refused:
        EvidenceField().clean([upload("a.pdf", EXE_BYTES), pdf_upload(), upload("b.png", b"nope")])
    assert len(refused.value.messages) == 2


@pytest.mark.django_db
class TestServing:
    @pytest.fixture
    def attachment(self, org, inspector):
        finding = raise_finding(inspector, org.weihui, files=[pdf_upload("审批单.pdf")])
        return Attachment.objects.for_object(finding.events.get()).get()

    def test_stored_under_an_unguessable_name(self, attachment):
        assert "审批单" not in attachment.file.name
        assert attachment.file.name.startswith("evidence/")
        assert len(attachment.sha256) == 64

    def test_own_county_may_download(self, client, attachment, head_weihui):
        client.force_login(head_weihui)
        response = client.get(reverse("attachment_download", args=[attachment.token]))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "filename*=utf-8''%E5%AE%A1%E6%89%B9%E5%8D%95.pdf" in response["Content-Disposition"]

    def test_another_county_gets_404(self, client, attachment, head_huixian):
        client.force_login(head_huixian)
        assert client.get(reverse("attachment_download", args=[attachment.token])).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, attachment):
        response = client.get(reverse("attachment_download", args=[attachment.token]))
        assert response.status_code == 302

    def test_unknown_token_is_404(self, client, head_weihui):
        client.force_login(head_weihui)
        url = reverse("attachment_download", args=["00000000-0000-0000-0000-000000000000"])
        assert client.get(url).status_code == 404

    def test_upload_through_a_form_refuses_a_renamed_executable(self, client, org, inspector, head_weihui):
        finding = raise_finding(inspector, org.weihui)
        client.force_login(head_weihui)
        response = client.post(
            reverse("findings:answer", args=[finding.pk]),
            {"text": "见附件", "version": finding.version, "files": [upload("整改报告.pdf", EXE_BYTES)]},
        )
        assert response.status_code == 400
        assert "内容不是允许的类型" in response.content.decode()
        finding.refresh_from_db()
        assert finding.status == finding.Status.RECTIFYING
        assert Attachment.objects.count() == 0

    def test_voided_file_is_no_longer_served(self, client, attachment, head_weihui):
        from django.utils import timezone

        Attachment.objects.filter(pk=attachment.pk).update(voided_at=timezone.now(), void_reason="误传")
        client.force_login(head_weihui)
        assert client.get(reverse("attachment_download", args=[attachment.token])).status_code == 404


@pytest.mark.django_db
def test_answer_evidence_is_attached_to_the_thread(org, inspector, head_weihui):
    finding = raise_finding(inspector, org.weihui)
    actions.finding_answer(finding, acting_user=head_weihui, text="见照片", files=[png_upload()])
    assert Attachment.objects.get().uploaded_by == head_weihui
