"""Checking, storing and serving evidence files.

Allowed: PDF; JPEG, PNG and WebP images; Word, Excel and PowerPoint documents (both the current
OOXML formats and the old binary ones, which WPS Office also writes). Refused: everything else,
archives (ZIP, RAR, 7z) included — an archive cannot be checked without unpacking it, may carry
executables and may be a zip bomb; attach the files themselves instead.

The type is decided by the file's content, and the extension must agree with it, so a renamed
executable is refused whatever it is called. Every file is stored under an unguessable name and is
only served to users who may see the record it belongs to (see `register_record_access`).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils.translation import gettext_lazy as _

from supervision.models import Attachment

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An OOXML document unpacks to far more than it weighs, but not to this much.
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
# What zipfile raises on a damaged archive: NotImplementedError comes from an unknown version or
# compression method in the central directory, EOFError from a truncated one.
ZIP_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError)


@dataclass(frozen=True)
class FileKind:
    label: str
    mime_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileKind("PNG", "image/png", (".png",))
WEBP = FileKind("WebP", "image/webp", (".webp",))
DOCX = FileKind("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileKind("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = FileKind("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",))
OLE = FileKind("Office 97-2003 / WPS", "application/x-ole-storage", (".doc", ".xls", ".ppt", ".wps", ".et", ".dps"))

OOXML_MARKERS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
ALLOWED_EXTENSIONS = sorted({ext for kind in (PDF, JPEG, PNG, WEBP, DOCX, XLSX, PPTX, OLE) for ext in kind.extensions})


def _sniff_zip(upload: UploadedFile) -> FileKind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                return None
            names = {member.filename for member in members}
    except ZIP_READ_ERRORS:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for marker, kind in OOXML_MARKERS.items():
        if marker in names:
            return kind
    return None


def sniff(upload: UploadedFile) -> FileKind | None:
    """The kind of file the content says this is, or None when it is not one we accept."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(OLE_MAGIC):
        return OLE
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(upload)
    return None


def validate_upload(upload: UploadedFile) -> FileKind:
    """Refuse oversize files, unknown content, and names that disagree with the content."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”超过大小上限 %(limit)s MB。"),
            code="too_large",
            params={"name": upload.name, "limit": round(limit / 1024 / 1024, 1)},
        )
    if not upload.size:
        raise ValidationError(_("文件“%(name)s”是空文件。"), code="empty", params={"name": upload.name})
    kind = sniff(upload)
    extension = PurePosixPath(upload.name or "").suffix.lower()
    if kind is None or extension not in kind.extensions:
        raise ValidationError(
            _(
                "文件“%(name)s”的内容不是允许的类型，或与扩展名不符。允许：PDF、JPG、PNG、WebP、Word、Excel、PowerPoint（含 WPS）。"
            ),
            code="bad_type",
            params={"name": upload.name},
        )
    return kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """One or more evidence files, each checked by `validate_upload`."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("证据材料"))
        kwargs.setdefault(
            "help_text",
            _("可多选。PDF、图片或 Office 文档，单个文件不超过 %(limit)s MB；不接受压缩包。")
            % {"limit": settings.UPLOAD_MAX_BYTES // 1024 // 1024},
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ",".join(ALLOWED_EXTENSIONS))

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        errors: list[ValidationError] = []
        for upload in files:
            try:
                validate_upload(upload)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return list(files)


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attach(
    record: models.Model, uploads: Iterable[UploadedFile], *, acting_user: Any, description: str = ""
) -> list[Attachment]:
    """Store checked uploads as evidence of `record` (call inside the action's transaction)."""
    content_type = ContentType.objects.get_for_model(record)
    stored = []
    for upload in uploads:
        kind = validate_upload(upload)
        attachment = Attachment(
            content_type=content_type,
            object_id=record.pk,
            original_name=PurePosixPath(upload.name or "file").name[:200],
            mime_type=kind.mime_type,
            size=upload.size or 0,
            sha256=_sha256(upload),
            description=description,
            uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# Which users may see the record an attachment belongs to: each record kind registers a check.
RecordAccess = Callable[[Any, models.Model], bool]
_record_access: dict[type[models.Model], RecordAccess] = {}


def register_record_access(model: type[models.Model], may_view: RecordAccess) -> None:
    """Declare who may download files attached to records of `model` (deny when unregistered)."""
    _record_access[model] = may_view


def may_download(user: Any, attachment: Attachment) -> bool:
    record = attachment.record
    if record is None:
        return False
    check = _record_access.get(type(record))
    return bool(check and check(user, record))
