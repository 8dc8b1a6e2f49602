"""Create the Xinxiang demo data; running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from supervision.permissions import Role
from supervision.registry import registry


class Command(BaseCommand):
    help = "创建新乡市演示数据（重复运行不会改变任何数据）。Create the Xinxiang demo data (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="do not print the demo accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        for seeder in registry.demo:
            with transaction.atomic():
                seeder.run(stdout=self.stdout)
            self.stdout.write(f"  ✓ {seeder.name}")
        if not options["quiet_accounts"]:
            self.print_accounts()

    def print_accounts(self) -> None:
        labels = dict(Role.choices)
        self.stdout.write(self.style.SUCCESS(f"\n演示账号 Demo accounts (password / 密码: {settings.DEMO_PASSWORD})"))
        users = User.objects.filter(groups__isnull=False).prefetch_related("groups").select_related("person__agency")
        for user in users.distinct().order_by("id"):
            person = getattr(user, "person", None)
            where = f"{person.agency} · {person.get_position_display()}" if person else ""
            roles = ", ".join(str(labels.get(group.name, group.name)) for group in user.groups.all())
            self.stdout.write(f"  {user.username:<16} {roles:<28} {where}")
        self.stdout.write(
            "  admin signs in in two steps: the code is printed by `python manage.py demo_otp admin` "
            "(DEBUG=1 .venv/bin/python manage.py demo_otp admin); 系统管理员登录需动态验证码。"
        )
