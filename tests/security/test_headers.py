"""Security settings as a browser sees them: a real gunicorn with production settings behind a proxy."""

from __future__ import annotations

import urllib.request

import pytest

from tests.servers import NoRedirect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production_portal(start_portal):
    # HTTPS terminates at the proxy, which says so with X-Forwarded-Proto.
    return start_portal(HTTPS="1", DEBUG="0")


def fetch(portal, path: str, *, https: bool = True, data: bytes | None = None) -> tuple[int, dict[str, list[str]]]:
    request = urllib.request.Request(portal.base + path, data=data)
    if https:
        request.add_header("X-Forwarded-Proto", "https")
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, _headers(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, _headers(error.headers)


def _headers(message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for key, value in message.items():
        headers.setdefault(key.lower(), []).append(value)
    return headers


def test_https_redirect_security_headers_and_cookie_flags(production_portal):
    status, headers = fetch(production_portal, "/", https=False)
    assert status == 301
    assert headers["location"][0].startswith("https://")

    status, headers = fetch(production_portal, "/accounts/login/")
    assert status == 200
    hsts = headers["strict-transport-security"][0]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    csp = headers["content-security-policy"][0]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["same-origin"]
    assert headers["x-frame-options"] == ["DENY"]

    [csrf] = [cookie for cookie in headers["set-cookie"] if cookie.startswith("__Host-csrftoken=")]
    attributes = {part.strip().split("=")[0].lower() for part in csrf.split(";")}
    assert {"secure", "samesite", "path"} <= attributes
    assert "domain" not in attributes
    assert "samesite=lax" in csrf.lower()


def test_session_cookie_after_sign_in_is_host_locked_secure_httponly(production_portal, head_weihui, settings):
    import http.cookiejar
    import re
    import urllib.parse

    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    head_weihui.password = PBKDF2PasswordHasher().encode("header-test-password", "fixedsalt1234567")
    head_weihui.save()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    login = urllib.request.Request(production_portal.base + "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    page = opener.open(login, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf_cookie = next(cookie.value for cookie in jar if cookie.name == "__Host-csrftoken")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "head_weihui", "password": "header-test-password"}
    ).encode()
    request = urllib.request.Request(
        production_portal.base + "/accounts/login/",
        data=form,
        headers={
            "X-Forwarded-Proto": "https",
            "Referer": "https://127.0.0.1/accounts/login/",
            "Cookie": f"__Host-csrftoken={csrf_cookie}",
        },
    )
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 302, error.read()[:500]
        session_cookies = [c for c in error.headers.get_all("Set-Cookie") if c.startswith("__Host-sessionid=")]
    else:
        pytest.fail("sign-in did not redirect")
    [session] = session_cookies
    lowered = session.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered and "domain=" not in lowered


def test_no_cors_no_trace_no_listing_no_eval_and_errors_say_nothing(production_portal):
    status, headers = fetch(production_portal, "/accounts/login/")
    assert status == 200
    assert not any(name.startswith("access-control-") for name in headers)  # no cross-origin reads allowed
    assert headers["content-type"] == ["text/html; charset=utf-8"]
    csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"][0].split(";") if part.strip())
    assert "'unsafe-eval'" not in csp["script-src"] and "'unsafe-eval'" not in csp["default-src"]

    trace = urllib.request.Request(production_portal.base + "/", method="TRACE", headers={"X-Forwarded-Proto": "https"})
    try:
        urllib.request.build_opener(NoRedirect()).open(trace, timeout=30)
        pytest.fail("TRACE was answered")
    except urllib.error.HTTPError as error:
        assert error.code == 405

    assert fetch(production_portal, "/static/")[0] == 404  # no directory listing
    assert fetch(production_portal, "/static/js/")[0] == 404
    request = urllib.request.Request(production_portal.base + "/no-such-page/%27%22<x>/")
    request.add_header("X-Forwarded-Proto", "https")
    try:
        urllib.request.urlopen(request, timeout=30)
        pytest.fail("an unknown page was served")
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        assert error.code == 404
        assert "Traceback" not in body and "urlpatterns" not in body and "<x>" not in body
