"""Restore a backup made by `manage.py backup`: `manage.py restore BACKUP_DIR --yes`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from supervision.management.commands.backup import pg_environment, restore_media


class Command(BaseCommand):
    help = "从备份恢复数据库和上传文件（覆盖现有数据）。Restore database and MEDIA_ROOT from a backup (replaces current data)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", help="a folder written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="confirm that current data is replaced")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["backup"])
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        if not options["yes"]:
            raise CommandError("restore replaces the current database and files: add --yes to confirm")
        if manifest["vendor"] != connection.vendor:
            raise CommandError(f"backup is from {manifest['vendor']}, this database is {connection.vendor}")
        db = settings.DATABASES["default"]
        connections.close_all()
        if connection.vendor == "postgresql":
            result = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--dbname",
                    db["NAME"],
                    str(source / "database.dump"),
                ],
                capture_output=True,
                env=pg_environment(db),
                check=False,
            )
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.decode(errors='replace')}")
        else:
            with sqlite3.connect(source / "database.sqlite3") as backup, sqlite3.connect(db["NAME"]) as live:
                backup.backup(live)
        restore_media(source / "media.tar.gz", Path(settings.MEDIA_ROOT))
        self.stdout.write(self.style.SUCCESS(f"restored from {source}"))
