"""Passwords, sessions and what the browser keeps: the account controls of ASVS V6, V7 and V14 (docs/SECURITY.md)."""

from __future__ import annotations

import logging
import re
import string
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

LONG_PASSPHRASE = "新乡 社保 passphrase with spaces, symbols !@#$ and 中文 — long enough to be remembered"


def sign_in(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def change_password(client: Client, old: str, new: str):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def test_no_account_exists_until_an_administrator_creates_one():
    assert not User.objects.exists()  # the migrations seed groups and catalogues, never a default account


def test_password_change_needs_the_current_password_and_refuses_short_and_common_ones(client, head_weihui):
    sign_in(client, "head_weihui")
    assert change_password(client, "not-the-password", LONG_PASSPHRASE).status_code == 200
    assert change_password(client, TEST_PASSWORD, "Xx1-short").status_code == 200  # under 10 characters
    assert change_password(client, TEST_PASSWORD, "password123").status_code == 200  # a common password
    head_weihui.refresh_from_db()
    assert head_weihui.check_password(TEST_PASSWORD)


def test_any_long_passphrase_is_accepted_and_checked_exactly(client, head_weihui):
    assert len(LONG_PASSPHRASE) >= 64
    sign_in(client, "head_weihui")
    response = change_password(client, TEST_PASSWORD, LONG_PASSPHRASE)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(reverse("logout"))
    for near_miss in (LONG_PASSPHRASE[:-1], LONG_PASSPHRASE + " ", LONG_PASSPHRASE.upper(), LONG_PASSPHRASE[:72]):
        assert sign_in(Client(), "head_weihui", near_miss).status_code == 200
    assert sign_in(Client(), "head_weihui", LONG_PASSPHRASE).status_code == 302


def test_password_fields_are_masked_and_paste_is_allowed(client, head_weihui):
    pages = [client.get(reverse("login")).content.decode()]
    client.force_login(head_weihui)
    pages.append(client.get(reverse("password_change")).content.decode())
    for page in pages:
        fields = re.findall(r"<input[^>]*name=\"(?:password|old_password|new_password1)\"[^>]*>", page)
        assert fields and all('type="password"' in field for field in fields)
        assert "onpaste" not in page and 'autocomplete="off"' not in page


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(head_weihui):
    here, elsewhere = Client(), Client()
    sign_in(here, "head_weihui")
    sign_in(elsewhere, "head_weihui")
    assert change_password(here, TEST_PASSWORD, LONG_PASSPHRASE).status_code == 302
    assert here.get(reverse("dashboard")).status_code == 200
    assert elsewhere.get(reverse("dashboard")).status_code == 302


def test_signing_in_issues_a_new_unguessable_session_key(client, head_weihui):
    before = client.session.session_key  # an anonymous session a planted cookie could point at
    sign_in(client, "head_weihui")
    after = client.session.session_key
    assert after != before and not Session.objects.filter(session_key=before).exists()
    assert len(after) >= 32 and set(after) <= set(string.ascii_lowercase + string.digits)  # ≥ 160 bits


def test_signing_out_ends_the_session_on_the_server(client, head_weihui, settings):
    sign_in(client, "head_weihui")
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("dashboard")).status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, head_weihui):
    sign_in(client, "head_weihui")
    assert client.get(reverse("dashboard")).status_code == 200
    head_weihui.is_active = False  # what a system administrator does in the admin
    head_weihui.save(update_fields=["is_active"])
    assert client.get(reverse("dashboard")).status_code == 302


def test_every_signed_in_page_offers_sign_out_and_is_not_stored_by_the_browser(client, head_weihui):
    client.force_login(head_weihui)
    response = client.get(reverse("dashboard"))
    assert f'action="{reverse("logout")}"' in response.content.decode()
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert "no-store" not in Client().get(reverse("public:home")).get("Cache-Control", "")


def test_a_form_post_without_the_csrf_token_is_refused(head_weihui):
    strict = Client(enforce_csrf_checks=True)
    assert sign_in(strict, "head_weihui").status_code == 403
    assert "_auth_user_id" not in strict.session


def test_passwords_are_stored_with_a_slow_salted_hash(head_weihui):
    import supervision.settings as production

    assert not hasattr(production, "PASSWORD_HASHERS")  # Django's default list: PBKDF2 first
    assert global_settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")
    assert PBKDF2PasswordHasher.iterations >= 600_000  # OWASP's figure for PBKDF2-HMAC-SHA256
    stored = PBKDF2PasswordHasher().encode("a-password-1", PBKDF2PasswordHasher().salt())
    assert stored.startswith("pbkdf2_sha256$") and "a-password-1" not in stored


def test_sign_in_log_lines_cannot_be_forged_and_never_hold_the_password(client, head_weihui, caplog):
    caplog.set_level(logging.INFO, logger="supervision.security")
    sign_in(client, "head_weihui\nsign-in succeeded user=admin ip=127.0.0.1", "secret-guess-1")
    [line] = [r.getMessage() for r in caplog.records if r.name == "supervision.security"]
    assert "\n" not in line and line.startswith("sign-in failed user=head_weihui\\n")
    assert all("secret-guess-1" not in r.getMessage() for r in caplog.records)


def test_our_scripts_keep_nothing_in_browser_storage():
    scripts = sorted((ROOT / "static" / "js").glob("*.js"))
    assert scripts
    for script in scripts:
        text = script.read_text()
        for api in ("localStorage", "sessionStorage", "indexedDB", "document.cookie"):
            assert api not in text, f"{script.name} uses {api}"


def test_runtime_dependencies_are_pinned():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("-")]
    assert requirements and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\],]+==[\w.]+", line) for line in requirements)


def test_sessions_and_tasks_are_serialised_as_json_only(settings):
    from supervision.celery import app

    assert settings.SESSION_SERIALIZER == "django.contrib.sessions.serializers.JSONSerializer"
    assert app.conf.task_serializer == "json" and set(app.conf.accept_content) == {"json"}
