"""The public disclosure of fund-inspection results (第十二条（四）、第十五条): anonymous, read-only.

Every query here starts from `Disclosure.objects.published()`: a result that was never published,
or has been withdrawn, answers 404 and appears in no list, search or download. Results are
addressed by an unguessable public identifier, never by a primary key.

The list is cached in Redis. Its cache key carries a stamp of the disclosure table (the number of
rows and the latest change), so a publication or a withdrawal changes the key in the very
transaction that makes it: no stale page can outlive a withdrawal, even one made while Redis was
unreachable. When the cache fails, the page is rendered without it.

Two things are cached: the search form and results, shared by everyone, and for anonymous visitors
(the public, who make nearly all of its traffic) the whole page, with the visitor's own CSRF token
put into it on the way out.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe

from supervision.exports import csv_response
from supervision.filters_oversight import PublicDisclosureFilter
from supervision.models import Disclosure, Division
from supervision.pagination import paginate

logger = logging.getLogger(__name__)

CACHE_SECONDS = 10 * 60
PUBLIC_PAGE_SIZE = 20


def published() -> QuerySet[Disclosure]:
    return Disclosure.objects.published().prefetch_related(
        Prefetch("divisions", queryset=Division.objects.order_by("code"))
    )


def _filtered(request: HttpRequest) -> PublicDisclosureFilter:
    return PublicDisclosureFilter(request.GET or None, queryset=published())


def cache_stamp() -> str:
    """Changes whenever a result is published, edited or withdrawn (in the same transaction)."""
    stamp = Disclosure.objects.aggregate(rows=Count("pk"), changed=Max("changed_at"))
    changed = stamp["changed"].timestamp() if stamp["changed"] else 0
    return f"{stamp['rows']}-{changed:.6f}"


SEARCH_PARAMETERS = frozenset({"year", "county", "q", "page"})
# Where the visitor's CSRF token goes in a cached page: NUL never occurs in rendered text (the
# database refuses it in text columns), so nothing else on the page can be mistaken for it.
TOKEN_SLOT = "\x00csrf-token\x00"  # noqa: S105 (a marker, not a secret)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def list_cache_key(request: HttpRequest, stamp: str | None = None) -> str:
    query = urlencode(sorted((key, value) for key, value in request.GET.items() if key in SEARCH_PARAMETERS))
    return f"disclosure:list:{stamp or cache_stamp()}:{translation.get_language()}:{_digest(query)}"


def page_cache_key(request: HttpRequest, stamp: str) -> str | None:
    """The key of the whole page for this anonymous visit, or None when it must be rendered for them.

    The page repeats the query string (the language form's return address, the download links), so
    the key holds all of it; only the search's own parameters are accepted, so made-up ones cannot
    fill the cache.
    """
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return None
    if any(key not in SEARCH_PARAMETERS or len(request.GET.getlist(key)) > 1 for key in request.GET):
        return None
    query = _digest(request.META.get("QUERY_STRING", ""))
    return f"disclosure:page:{stamp}:{translation.get_language()}:{query}"


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # Redis down or unreachable: serve without the cache
        logger.warning("disclosure cache unavailable (get)", exc_info=True)
        return None


def _cache_set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        logger.warning("disclosure cache unavailable (set)", exc_info=True)


def _render_parts(request: HttpRequest) -> dict[str, str]:
    """The search fields (their choices are every published year and county) and the results."""
    disclosure_filter = _filtered(request)
    page = paginate(request, disclosure_filter.qs, per_page=PUBLIC_PAGE_SIZE)
    return {
        "fields": render_to_string("supervision/disclosure/search_fields.html", {"filter": disclosure_filter}),
        "results": render_to_string("supervision/disclosure/results.html", {"page": page}, request=request),
    }


def _render_list(request: HttpRequest, stamp: str, **context: Any) -> str:
    key = list_cache_key(request, stamp)
    parts = _cache_get(key)
    if not isinstance(parts, dict):
        parts = _render_parts(request)
        _cache_set(key, parts)
    return render_to_string(
        "supervision/disclosure/list.html",
        # Our own templates' output, cached as text; it holds only escaped, published fields.
        {"search_fields": mark_safe(parts["fields"]), "results": mark_safe(parts["results"]), **context},  # noqa: S308
        request=request,
    )


@login_not_required
@require_safe
def disclosure_list(request: HttpRequest) -> HttpResponse:
    # A cache hit costs one query (the stamp): the filter form's choices are cached with the results.
    stamp = cache_stamp()
    page_key = page_cache_key(request, stamp)
    if page_key is None:
        return HttpResponse(_render_list(request, stamp))
    page = _cache_get(page_key)
    if not isinstance(page, str):
        page = _render_list(request, stamp, csrf_token=TOKEN_SLOT)
        _cache_set(page_key, page)
    return HttpResponse(page.replace(TOKEN_SLOT, get_token(request)))


@login_not_required
@require_safe
def disclosure_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    disclosure = get_object_or_404(published(), public_id=public_id)
    return render(request, "supervision/disclosure/detail.html", {"disclosure": disclosure})


def _record(disclosure: Disclosure, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": disclosure.public_id,
        "title": disclosure.title,
        "year": disclosure.year,
        "organiser": disclosure.organiser_name,
        "agencies": disclosure.agencies_text,
        "counties": [division.name for division in disclosure.divisions.all()],
        "period_start": disclosure.period_start.isoformat(),
        "period_end": disclosure.period_end.isoformat(),
        "inspected_from": disclosure.inspected_from.isoformat(),
        "inspected_to": disclosure.inspected_to.isoformat(),
        "finding_count": disclosure.finding_count,
        "rectified_count": disclosure.rectified_count,
        "decision_count": disclosure.decision_count,
        "summary": disclosure.summary,
        "published_on": timezone.localdate(disclosure.published_at).isoformat() if disclosure.published_at else None,
        "url": request.build_absolute_uri(reverse("disclosure:detail", args=[disclosure.public_id])),
    }


CSV_COLUMNS = [
    ("id", _lazy("公开编号")),
    ("title", _lazy("标题")),
    ("year", _lazy("检查年度")),
    ("organiser", _lazy("检查机关")),
    ("agencies", _lazy("被检查单位")),
    ("counties", _lazy("涉及县（市、区）")),
    ("period_start", _lazy("检查所属期起")),
    ("period_end", _lazy("检查所属期止")),
    ("inspected_from", _lazy("检查开始日期")),
    ("inspected_to", _lazy("检查结束日期")),
    ("finding_count", _lazy("发现问题数")),
    ("rectified_count", _lazy("已整改销号数")),
    ("decision_count", _lazy("处理决定数")),
    ("summary", _lazy("公开摘要")),
    ("published_on", _lazy("公开日期")),
    ("url", _lazy("网址")),
]


@login_not_required
@require_safe
def disclosure_csv(request: HttpRequest) -> HttpResponse:
    records = [_record(disclosure, request) for disclosure in _filtered(request).qs]
    headers = [label for _key, label in CSV_COLUMNS]
    rows = (
        ["、".join(record[key]) if key == "counties" else record[key] for key, _label in CSV_COLUMNS]
        for record in records
    )
    return csv_response(_("社会保险基金监督检查结果.csv"), headers, rows)


@login_not_required
@require_safe
def disclosure_json(request: HttpRequest) -> HttpResponse:
    records = [_record(disclosure, request) for disclosure in _filtered(request).qs]
    payload = {
        "title": _("社会保险基金监督检查结果公开"),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "count": len(records),
        "results": records,
    }
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="disclosures.json"'
    return response
