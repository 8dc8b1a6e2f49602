"""Two-step sign-in with a TOTP authenticator app (django-otp): optional for staff, required for
system administrators, whose sessions reach nothing but the set-up page until they are verified.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from supervision.forms import BootstrapMixin, PortalForm
from supervision.permissions import is_system_admin

DEVICE_NAME = "authenticator"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class PortalAuthenticationForm(BootstrapMixin, AuthenticationForm):
    """Username and password, plus the authenticator code for accounts that enabled two-step sign-in."""

    otp_token = forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=8,
        help_text=_("已启用两步验证的账号，请输入验证器应用显示的6位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "otp_required": _("此账号已启用两步验证，请输入动态验证码。"),
        "otp_invalid": _("动态验证码不正确或已过期。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.otp_device: TOTPDevice | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is None or confirmed_device(user) is None:
            return cleaned
        token = (cleaned.get("otp_token") or "").strip()
        if not token:
            raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
        self.otp_device = match_token(user, token)
        if self.otp_device is None:
            # A wrong code counts as a failed sign-in, so the lockout covers guessing codes too.
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        return cleaned


class PortalLoginView(auth_views.LoginView):
    form_class = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: PortalAuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


class TokenForm(PortalForm):
    token = forms.CharField(
        label=_("动态验证码"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _pending_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator, or verify this session with it (system administrators must)."""
    user = request.user
    device = confirmed_device(user)
    form = TokenForm(request.POST or None)
    if device is None:
        device = _pending_device(user)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["token"].strip()):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                messages.success(request, _("两步验证已启用。"))
                return redirect("dashboard")
            form.add_error("token", _("动态验证码不正确或已过期。"))
        context = {"setting_up": True, "qr": _qr_data_uri(device.config_url), "secret": _base32(device), "form": form}
        return render(request, "registration/two_factor.html", context)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return redirect("dashboard")
        form.add_error("token", _("动态验证码不正确或已过期。"))
    verified = request.user.is_verified()
    return render(request, "registration/two_factor.html", {"setting_up": False, "verified": verified, "form": form})


def _base32(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class RequireTwoFactorMiddleware:
    """A system administrator's session reaches only the set-up page until two-step sign-in is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and is_system_admin(user) and not user.is_verified():
            allowed = {reverse("two_factor"), reverse("logout"), reverse("set_language")}
            if request.path not in allowed:
                messages.warning(request, _("系统管理员账号须启用两步验证后才能使用。"))
                return redirect("two_factor")
        return self.get_response(request)
