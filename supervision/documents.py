"""Every report, letter and form the portal issues becomes a PDF here, and nowhere else.

Templates extend `documents/base.html`: A4, the issuer's name as a running header, "第 X 页 共 Y 页"
in the footer with an optional verification code and data-snapshot time, then the title, the
document number, the body and the signature block. WeasyPrint renders them with Debian's Noto CJK
fonts (through fontconfig), embedded as subsets.

A document never reaches the network or the file system beyond our own static files: templates
carry user-supplied text, and a PDF must not become a way to read /etc/passwd or probe the
intranet. `StaticFilesFetcher` serves static files and `data:` URLs and refuses everything else.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from supervision.models import DocumentSequence

logger = logging.getLogger(__name__)

# Templates address our static files under this origin, which never resolves (RFC 6761 reserves
# .invalid): relative and /static/ URLs get a base, and the fetcher maps them to files on disk.
STATIC_ORIGIN = ("https", "static.invalid")


class RefusedURL(ValueError):
    """A document asked for something other than our static files; WeasyPrint logs it and skips it."""


def static_base_url() -> str:
    scheme, host = STATIC_ORIGIN
    return f"{scheme}://{host}{urlsplit(settings.STATIC_URL).path}"


def _static_locations() -> list[tuple[str, str, str]]:
    static = urlsplit(settings.STATIC_URL)
    locations = [(*STATIC_ORIGIN, static.path)]
    if static.scheme and static.netloc:
        # STATIC_URL on another host (a CDN): `{% static %}` writes that host; serve the same files.
        locations.append((static.scheme.lower(), static.netloc.lower(), static.path))
    return locations


def _static_relative_path(url: str) -> str | None:
    parts = urlsplit(url)
    for scheme, host, prefix in _static_locations():
        if (parts.scheme.lower(), parts.netloc.lower()) == (scheme, host) and parts.path.startswith(prefix):
            relative = unquote(parts.path[len(prefix) :])
            segments = relative.split("/")
            if any(segment in {"", ".", ".."} or "\\" in segment or "\x00" in segment for segment in segments):
                return None
            return relative
    return None


def static_file_for(url: str) -> Path | None:
    """The static file a document URL names, found as `collectstatic` would find it; None for anything else."""
    relative = _static_relative_path(url)
    if relative is None:
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        # Collected files only, e.g. the hashed names of the manifest storage in production.
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher for documents: our static files and data: URLs, nothing else, no network."""

    def __init__(self) -> None:
        # data: is the only scheme the parent class may open (urllib decodes it in memory).
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if urlsplit(url).scheme.lower() == "data":
            return super().fetch(url, headers)
        path = static_file_for(url)
        if path is None:
            logger.warning("Refused %s while rendering a PDF: documents may load only our static files", url[:300])
            raise RefusedURL(url[:300])
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def render_pdf(template_name: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """Render `template_name` (extending documents/base.html) to PDF bytes.

    Context the base template reads: `title`, `document_number`, `issuer` (default: the bureau's
    name), `issued_on` (a date for the signature block), `verification_code`, `snapshot_at` (the
    moment the data was read). Values are escaped like any Django template's. `language` defaults
    to the portal's own (Chinese), not the requesting user's: an issued document reads the same
    whoever prints it.
    """
    defaults = {"issuer": settings.BUREAU_NAME, "verification_code": None, "snapshot_at": None}
    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, {**defaults, **context})
    return HTML(string=html, base_url=static_base_url(), url_fetcher=StaticFilesFetcher()).write_pdf()


_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_NOT_PLAIN_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def _clean_filename(filename: str) -> str:
    name = "".join(char for char in filename if unicodedata.category(char) not in {"Cc", "Cf"})
    name = _UNSAFE_IN_NAME.sub("_", name).strip(" ._") or "document"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266: a plain-ASCII `filename` for old clients, the real name UTF-8 encoded in `filename*` (RFC 5987)."""
    name = _clean_filename(filename)
    stem = _NOT_PLAIN_ASCII.sub("_", name[: -len(".pdf")]).strip("_") or "document"
    fallback = f"{stem}.pdf"
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """The PDF as a download (or shown in the browser with `inline`), never cached: documents hold personal data."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["Content-Length"] = str(len(pdf))
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@transaction.atomic
def allocate_document_number(prefix: str, year: int) -> str:
    """The next document number of `prefix` in `year`, e.g. 新人社监〔2026〕3号.

    Sequential, unique and gap-free: concurrent callers queue on the sequence row's lock, and a
    caller that allocates inside the transaction saving its document gets the number back if that
    transaction rolls back.
    """
    prefix = prefix.strip()
    if not prefix:
        raise ValueError("a document number needs a prefix such as 新人社监")
    # get_or_create retries the get (here FOR UPDATE) when a concurrent insert wins the unique race.
    sequence, _ = DocumentSequence.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.number_text(sequence.last_number)
