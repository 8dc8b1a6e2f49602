"""Print the current two-step sign-in code of a demo account: `manage.py demo_otp admin`."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "显示演示账号当前的动态验证码。Print the current authenticator code of a (demo) account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", nargs="?", default="admin")

    def handle(self, *args: Any, **options: Any) -> None:
        device = TOTPDevice.objects.filter(user__username=options["username"], confirmed=True).first()
        if device is None:
            raise CommandError(f"{options['username']} has no confirmed authenticator")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"{totp.token():0{device.digits}d}  (key {secret}, valid for about {device.step} s)")
