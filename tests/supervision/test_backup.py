from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from supervision.models import Attachment, Finding
from tests.supervision.factories import pdf_upload, raise_finding


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_database_and_files(org, inspector, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    kept = raise_finding(inspector, org.weihui, title="备份前的问题", files=[pdf_upload("备份前.pdf")])
    stored = Attachment.objects.get()
    original_bytes = Path(stored.file.path).read_bytes()

    backup_dir = Path(call_command("backup", output=str(tmp_path / "backups"), stdout=io.StringIO()))
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}

    raise_finding(inspector, org.huixian, title="备份后的问题")
    Finding.objects.filter(pk=kept.pk).update(title="被改动的标题")
    Path(stored.file.path).unlink()

    call_command("restore", str(backup_dir), yes=True, stdout=io.StringIO())
    connections.close_all()

    assert list(Finding.objects.values_list("title", flat=True)) == ["备份前的问题"]
    assert Path(Attachment.objects.get().file.path).read_bytes() == original_bytes


@pytest.mark.django_db
def test_restore_needs_confirmation(tmp_path):
    from django.core.management.base import CommandError

    (tmp_path / "manifest.json").write_text('{"vendor": "postgresql"}')
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path))
