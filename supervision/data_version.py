"""A number that changes whenever the portal's data changes: what per-user caches are keyed by.

Every model save, delete and many-to-many change (but sessions, sign-in bookkeeping and history
rows) increments it in the cache, at once and again when the transaction commits (a page read in
between may have cached the old data under the new number). Writes that send no signals
(`QuerySet.update`, `bulk_create`) do not change it: caches keyed by it also expire after a minute.
With the cache unreachable, `current()` answers None and callers compute afresh; both leave the
cache alone for half a minute after a failure (entries cached before it expire within a minute).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

KEY = "data-version"
IGNORED_APPS = frozenset({"sessions", "axes", "captcha", "admin", "otp_totp"})


# After a cache failure, neither reads nor writes wait for the cache for this long: with Redis
# down, every save would otherwise wait for its connection timeout, twice.
PAUSE_SECONDS = 30
_paused_until = 0.0


def _paused() -> bool:
    return time.monotonic() < _paused_until


def _pause(message: str) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_SECONDS
    logger.warning(message, exc_info=True)


def current() -> int | None:
    if _paused():
        return None
    try:
        return cache.get_or_set(KEY, 1, timeout=None)
    except Exception:  # Redis down: no caching
        _pause("data version unavailable")
        return None


def bump() -> None:
    """Never fails: a write must not depend on the cache (with Redis down, nothing is cached either)."""
    if _paused():
        return
    try:
        try:
            cache.incr(KEY)
        except ValueError:  # not set yet (or evicted)
            cache.set(KEY, 2, timeout=None)
    except Exception:
        _pause("data version not bumped")


def _changed(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label in IGNORED_APPS or hasattr(sender, "instance_type"):  # history rows
        return
    bump()
    transaction.on_commit(bump, using=kwargs.get("using"))


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, dispatch_uid=f"data-version-{signal}")
