from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "Zq3v!r7xK9#mP2t&Lw8nB4yH6jD1sF0gC5uE-aR+oT=iV@kN-production-like-value",
    "ALLOWED_HOSTS": "portal.hrss.xinxiang.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://portal.hrss.xinxiang.gov.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://portal:secret@smtp.xinxiang.gov.cn:587",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "PYTHONPATH"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_settings_probe(expression: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "PYTHONPATH"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "supervision.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_secret_key_is_required_when_debug_is_off():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_migrations_are_checked_without_a_secret_key():
    result = run_manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_bad_boolean_fails_loudly():
    result = run_manage("check", env={**PRODUCTION_ENV, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_embedded_default_is_sqlite_with_eager_tasks_and_local_cache():
    result = run_settings_probe(
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND']",
        {"DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
    assert "True" in result.stdout
    assert "LocMemCache" in result.stdout


def test_redis_url_switches_on_the_real_broker_and_cache():
    result = run_settings_probe(
        "s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND']", PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stderr
    assert "redis://127.0.0.1:6379/1 False django.core.cache.backends.redis.RedisCache" in result.stdout


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("console://", "console"),
        ("smtp+tls://user:p%40ss@mail.example.cn:587", "smtp"),
    ],
)
def test_email_url_is_understood(url, expected):
    from supervision.settings import email_config

    config = email_config(url)
    assert expected in config.backend
    if expected == "smtp":
        assert (config.host, config.port, config.user, config.password, config.use_tls) == (
            "mail.example.cn",
            587,
            "user",
            "p@ss",
            True,
        )


def test_production_cookies_and_transport_security():
    result = run_settings_probe(
        "s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.TIME_ZONE, s.LANGUAGE_CODE",
        PRODUCTION_ENV,
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "31536000",
        "True",
        "True",
        "Asia/Shanghai",
        "zh-hans",
    ]


@pytest.mark.django_db
def test_postgresql_connections_do_not_compile_queries_to_machine_code():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
