from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from supervision.actions import findings as actions
from supervision.models import Finding
from supervision.models.findings import local_today

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["对账单", 12000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_unknown_zip_version(content: bytes) -> bytes:
    """The archive with its first central-directory entry claiming a zip version (6.4) Python cannot read."""
    damaged = bytearray(content)
    entry = damaged.index(b"PK\x01\x02")
    damaged[entry + 6] = 64  # "version needed to extract"
    return bytes(damaged)


def raise_finding(inspector, agency, *, deadline: datetime.date | None = None, **fields) -> Finding:
    values = {
        "article": "第八条（四）",
        "title": "基金支出户存在未经审批的划拨",
        "description": "抽查发现1笔划拨无审批单。",
        "deadline": deadline or local_today() + datetime.timedelta(days=20),
        "severity": Finding.Severity.MAJOR,
    }
    values.update(fields)
    return actions.finding_raise(acting_user=inspector, agency=agency, **values)
