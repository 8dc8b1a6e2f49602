"""Sign-in and authorization events in the log, and session timeouts (idle and absolute)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

logger = logging.getLogger("supervision.security")

LOGIN_AT = "_portal_login_at"
SEEN_AT = "_portal_seen_at"
# Refresh the idle clock at most once a minute, so ordinary clicks do not write the session.
SEEN_RESOLUTION = 60


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return loggable(request.META.get("REMOTE_ADDR", "-"))


def loggable(value: Any) -> str:
    """A value typed by a visitor, safe to put in a log line: control characters (a forged second line) escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in str(value))[:200]


@receiver(user_logged_in)
def _log_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
    logger.info("sign-in succeeded user=%s ip=%s", user.get_username(), client_ip(request))


@receiver(user_login_failed)
def _log_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    logger.warning("sign-in failed user=%s ip=%s", loggable(credentials.get("username", "-")), client_ip(request))


@receiver(user_logged_out)
def _log_sign_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    logger.info("sign-out user=%s ip=%s", getattr(user, "username", "-"), client_ip(request))


def log_refused(request: HttpRequest, reason: str) -> None:
    user = request.user.get_username() if request.user.is_authenticated else "anonymous"
    logger.warning(
        "authorization refused user=%s ip=%s path=%s reason=%s",
        loggable(user),
        client_ip(request),
        loggable(request.path),
        reason,
    )


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT seconds without activity, and SESSION_COOKIE_AGE after sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                return self._sign_out(request, expired)
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> str:
        now = int(time.time())
        session = request.session
        login_at = session.get(LOGIN_AT, now)
        seen_at = session.get(SEEN_AT, now)
        if now - login_at > settings.SESSION_COOKIE_AGE:
            return "absolute"
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            return "idle"
        if LOGIN_AT not in session:
            session[LOGIN_AT] = now
        if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
            session[SEEN_AT] = now
        return ""

    def _sign_out(self, request: HttpRequest, why: str) -> HttpResponse:
        username = request.user.get_username()
        logout(request)
        logger.info("session expired (%s) user=%s ip=%s", why, username, client_ip(request))
        messages.info(request, _("登录已超时，请重新登录。"))
        login = reverse("login")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        return redirect(login)


class PrivatePagesMiddleware:
    """Pages served to a signed-in user are never stored by the browser or a shared cache (ASVS V14.3.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
