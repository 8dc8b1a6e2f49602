from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supervision.security import LOGIN_AT, SEEN_AT
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_success_and_failure_are_logged(client, head_weihui, caplog):
    caplog.set_level(logging.INFO, logger="supervision.security")
    sign_in(client, "head_weihui", "wrong-password")
    sign_in(client, "head_weihui")
    messages = [record.getMessage() for record in caplog.records if record.name == "supervision.security"]
    assert any(m.startswith("sign-in failed user=head_weihui") for m in messages)
    assert any(m.startswith("sign-in succeeded user=head_weihui") for m in messages)


def test_refused_authorization_is_logged(client, head_weihui, caplog):
    caplog.set_level(logging.INFO, logger="supervision.security")
    client.force_login(head_weihui)
    assert client.get(reverse("findings:new")).status_code == 403
    assert any("authorization refused user=head_weihui" in r.getMessage() for r in caplog.records)


def test_repeated_failures_lock_the_username_from_that_address(client, head_weihui, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "head_weihui", "wrong-password")
    response = sign_in(client, "head_weihui")
    assert response.status_code in {403, 429}
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_and_address(client, head_weihui, staff_weihui, settings):
    """A guessing address cannot lock the user out from everywhere, nor guess other names unchecked."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "head_weihui", "wrong-password")
    assert sign_in(client, "head_weihui").status_code in {403, 429}
    elsewhere = Client(REMOTE_ADDR="127.0.0.2")
    assert sign_in(elsewhere, "head_weihui").status_code == 302
    assert sign_in(client, "staff_weihui").status_code == 302


def test_after_the_cool_off_the_user_may_sign_in_again(client, head_weihui, settings):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "head_weihui", "wrong-password")
    assert sign_in(client, "head_weihui").status_code in {403, 429}
    assert settings.AXES_COOLOFF_TIME == 1  # hours
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1, minutes=1))
    response = sign_in(client, "head_weihui")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(head_weihui.pk)


def age_session(client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[LOGIN_AT] = now - seconds_ago.get("login", 0)
    session[SEEN_AT] = now - seconds_ago.get("seen", 0)
    session.save()


def test_active_session_stays(client, head_weihui):
    sign_in(client, "head_weihui")
    age_session(client, login=600, seen=60)
    assert client.get(reverse("dashboard")).status_code == 200


def test_idle_session_ends(client, head_weihui, settings):
    sign_in(client, "head_weihui")
    age_session(client, login=settings.SESSION_IDLE_TIMEOUT + 10, seen=settings.SESSION_IDLE_TIMEOUT + 10)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_absolute_lifetime_ends_even_an_active_session(client, head_weihui, settings):
    sign_in(client, "head_weihui")
    age_session(client, login=settings.SESSION_COOKIE_AGE + 10, seen=5)
    assert client.get(reverse("dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session
