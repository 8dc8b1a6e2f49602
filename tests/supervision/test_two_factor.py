from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, verify_two_factor

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, username: str, token: str = ""):
    return client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD, "otp_token": token})


def test_system_admin_reaches_only_the_set_up_page_until_verified(client, admin_user):
    sign_in(client, "admin")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("two_factor")
    assert client.get(reverse("admin:index")).status_code == 302
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200 and b"data:image/svg+xml;base64," in page.content

    device = TOTPDevice.objects.get(user=admin_user)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    assert client.post(reverse("two_factor"), {"token": wrong}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # as if the user waited out the back-off after the wrong code
    assert client.post(reverse("two_factor"), {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_sign_in_with_an_authenticator_needs_the_code(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="authenticator", confirmed=True)
    response = sign_in(client, "admin")
    assert "此账号已启用两步验证" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = sign_in(client, "admin", "12345x")
    assert "动态验证码不正确" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # as if the user waited out the back-off after the wrong code
    response = sign_in(client, "admin", current_code(device))
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_wrong_codes_count_towards_the_lockout(client, admin_user, settings):
    TOTPDevice.objects.create(user=admin_user, name="authenticator", confirmed=True, throttling_failure_count=0)
    from axes.models import AccessAttempt

    sign_in(client, "admin", "000001")
    assert AccessAttempt.objects.filter(username="admin").exists()


def test_two_factor_is_optional_for_staff(client, head_weihui):
    assert sign_in(client, "head_weihui").status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_staff_may_enable_it_and_then_need_the_code(client, head_weihui):
    sign_in(client, "head_weihui")
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=head_weihui)
    client.post(reverse("two_factor"), {"token": current_code(device)})
    client.post(reverse("logout"))
    device.refresh_from_db()
    assert device.confirmed
    assert "_auth_user_id" not in sign_in(client, "head_weihui") and "_auth_user_id" not in client.session


def test_verified_admin_helper_gives_a_real_verified_session(client, admin_user):
    verify_two_factor(client, admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
