"""What the deployment files keep out of the image and the compose file (ASVS V13.4.1, V13.3.1)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_leaves_out_git_metadata_and_local_secrets():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".env", "media", "db.sqlite3"} <= ignored


def test_compose_has_no_default_credentials():
    compose = (ROOT / "docker-compose.yml").read_text()
    for secret in ("POSTGRES_PASSWORD", "SECRET_KEY"):
        uses = re.findall(rf"\$\{{{secret}([^}}]*)\}}", compose)
        assert uses, f"{secret} is not taken from the environment"
        assert all(use.startswith(":?") for use in uses), f"{secret} has a default in docker-compose.yml"
