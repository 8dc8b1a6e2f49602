from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from supervision.attachments import may_download
from supervision.models import Attachment

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}


@require_safe
def attachment_download(request: HttpRequest, token: UUID) -> FileResponse:
    """Serve a stored file to a user who may see its record; everyone else gets 404."""
    attachment = Attachment.objects.current().select_related("content_type").filter(token=token).first()
    if attachment is None or not may_download(request.user, attachment):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=attachment.mime_type not in INLINE_TYPES,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
