"""Per-address limits for the public pages, kept in the cache and never in the way of a complaint.

A stopped Redis must not stop anyone from filing a complaint (第十六条: 任何组织或者个人有权……举报、投诉):
when the cache fails, the limit is not applied (fail open) and a warning is logged.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The visitor's address: behind our reverse proxy, the one it appended to X-Forwarded-For."""
    if settings.SECURE_PROXY_SSL_HEADER is not None:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, request: HttpRequest) -> str:
    digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    return f"complaints:throttle:{scope}:{digest}"


def count(scope: str, request: HttpRequest) -> int:
    """How many times this address has been counted in `scope`; 0 when the cache cannot say."""
    try:
        return int(cache.get(_key(scope, request)) or 0)
    except Exception:
        logger.warning("rate-limit cache unavailable; not limiting %s", scope, exc_info=True)
        return 0


def exceeded(scope: str, request: HttpRequest, limit: int) -> bool:
    return limit > 0 and count(scope, request) >= limit


def hit(scope: str, request: HttpRequest, window_seconds: int) -> None:
    """Count one event for this address; the window starts with the first event."""
    key = _key(scope, request)
    try:
        if not cache.add(key, 1, window_seconds):
            cache.incr(key)
    except ValueError:  # expired between add and incr
        try:
            cache.set(key, 1, window_seconds)
        except Exception:
            logger.warning("rate-limit cache unavailable; not counting %s", scope, exc_info=True)
    except Exception:
        logger.warning("rate-limit cache unavailable; not counting %s", scope, exc_info=True)
