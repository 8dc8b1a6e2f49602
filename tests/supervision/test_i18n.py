from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402


def msgids(path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(path)) if not entry.obsolete}


def test_both_catalogues_are_complete():
    for language in ("zh_Hans", "en"):
        missing = i18n.untranslated(polib.pofile(str(i18n.catalogue(language))))
        assert [entry.msgid for entry in missing] == [], language


def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """Run makemessages on a copy of the checkout: it must find no string the catalogue lacks."""
    copy = tmp_path / "checkout"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "media", "staticfiles", "node_modules", "__pycache__", "*.mo"),
    )
    args = [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location"]
    for pattern in i18n.IGNORE:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=copy, check=True, capture_output=True, env={**os.environ, "DEBUG": "1"})
    extracted = msgids(copy / "locale/en/LC_MESSAGES/django.po")
    committed = msgids(i18n.catalogue("en"))
    assert extracted - committed == set(), "run `python scripts/i18n.py update` and translate the new strings"
    assert msgids(i18n.catalogue("zh_Hans")) == committed


@pytest.mark.django_db
def test_language_switch_changes_the_page_and_comes_back(client, head_weihui):
    client.force_login(head_weihui)
    assert "我的工作" in client.get(reverse("dashboard")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("dashboard")}, follow=True)
    body = response.content.decode()
    assert "My work" in body
    assert '<html lang="en">' in body
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("dashboard")}, follow=True)
    assert "我的工作" in response.content.decode()


@pytest.mark.django_db
def test_public_portal_is_chinese_by_default(client):
    body = client.get(reverse("public:home")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "工作人员登录" in body


@pytest.mark.django_db
def test_browser_language_does_not_turn_the_portal_english(client):
    body = client.get(reverse("public:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body
