"""Back up the database and the uploaded files into one folder: `manage.py backup [--output DIR]`."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def pg_environment(db: dict[str, Any]) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore, so no password ever appears on a command line."""
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db.get("USER") or "", "PGHOST": db.get("HOST") or ""}
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


class Command(BaseCommand):
    help = "备份数据库和上传文件。Back up the database (pg_dump or SQLite) and MEDIA_ROOT into a folder."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", default="backups", help="parent folder of the new backup folder")

    def handle(self, *args: Any, **options: Any) -> str:
        target = Path(options["output"]) / timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target.mkdir(parents=True, exist_ok=False)
        db = settings.DATABASES["default"]
        if connection.vendor == "postgresql":
            with (target / "database.dump").open("wb") as dump:
                result = subprocess.run(
                    ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"],
                    stdout=dump,
                    stderr=subprocess.PIPE,
                    env=pg_environment(db),
                    check=False,
                )
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.decode(errors='replace')}")
        elif connection.vendor == "sqlite":
            source = sqlite3.connect(db["NAME"])
            with sqlite3.connect(target / "database.sqlite3") as copy:
                source.backup(copy)
            source.close()
        else:
            raise CommandError(f"no backup method for {connection.vendor}")
        media = Path(settings.MEDIA_ROOT)
        with tarfile.open(target / "media.tar.gz", "w:gz") as archive:
            if media.exists():
                archive.add(media, arcname="media")
        (target / "manifest.json").write_text(
            json.dumps({"vendor": connection.vendor, "created": timezone.now().isoformat()}), encoding="utf-8"
        )
        self.stdout.write(self.style.SUCCESS(f"backup written to {target}"))
        return str(target)


def restore_media(archive_path: Path, media_root: Path) -> None:
    if media_root.exists():
        shutil.rmtree(media_root)
    media_root.mkdir(parents=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive.getmembers():
            if not (member.isfile() or member.isdir()) or not member.name.startswith("media"):
                continue
            relative = Path(member.name).relative_to("media")
            destination = (media_root / relative).resolve()
            if media_root.resolve() not in destination.parents and destination != media_root.resolve():
                raise CommandError(f"refusing to restore {member.name} outside MEDIA_ROOT")
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, destination.open("wb") as target:
                    shutil.copyfileobj(source, target)
