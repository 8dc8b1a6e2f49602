"""Bad input refused, never a server error: hypothesis-driven input to the public forms."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large, HealthCheck.too_slow],
)

# Text as attackers send it: unicode, control characters, markup, SQL, huge values.
nasty_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "=cmd|' /C calc'!A0", "\x00", "../../etc/passwd"]),
    st.text(min_size=5000, max_size=20000, alphabet="负责人A<>&\"'"),
)


@FUZZ
@given(username=nasty_text, password=nasty_text, token=st.one_of(st.just(""), nasty_text))
def test_login_never_errors_and_never_signs_in_with_garbage(client, head_weihui, username, password, token):
    users_before = User.objects.count()
    response = client.post(reverse("login"), {"username": username, "password": password, "otp_token": token})
    assert response.status_code in {200, 403, 429}
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    if response.status_code == 200:
        assert "<script>alert(1)</script>" not in response.content.decode()


@FUZZ
@given(language=nasty_text, next_url=nasty_text)
def test_language_switch_never_errors_and_never_redirects_off_site(client, language, next_url):
    response = client.post(reverse("set_language"), {"language": language, "next": next_url})
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        location = response["Location"]
        assert not location.startswith(("http://", "https://", "//")) or "testserver" in location
