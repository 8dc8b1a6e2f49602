"""No Docker engine runs here: check what can be checked of the deployment files."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_web_worker_and_beat_from_one_image_against_postgres_and_redis():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    images = {services[name]["image"] for name in ("web", "worker", "beat")}
    assert images == {"supervision-portal:latest"}
    assert "gunicorn supervision.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A supervision worker")
    assert services["beat"]["command"].startswith("celery -A supervision beat")
    env = services["worker"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")


def test_readme_documents_the_commands_compose_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("make demo", "make test", "docker compose up", "celery -A supervision worker"):
        assert command in readme


def test_ci_runs_make_test_and_nothing_else_of_substance():
    lines = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith("set ")
    ]
    assert lines[-1] == "exec make test"
