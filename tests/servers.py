"""Real processes for fault and security tests: a gunicorn serving the portal on the test database,
and a Redis server of the test's own that the test can stop and start again without touching the shared one."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


@dataclass
class RedisServer:
    port: int
    directory: str
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([*command, "--dir", self.directory], stdout=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for the fault tests (make test installs it)")
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(free_port(), directory)
        server.start()
        yield server
        server.stop()


@dataclass
class Browserless:
    """A cookie-keeping HTTP client for a real server, signing in through the real login form."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + path}
        try:
            with self.opener.open(
                urllib.request.Request(self.base + path, data=body, headers=headers), timeout=30
            ) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def csrf(self, path: str) -> str:
        _, body, _ = self.request(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        return self.request(path, {"csrfmiddlewaretoken": self.csrf(path), **data})

    def sign_in(self, username: str, password: str) -> None:
        status, _, _ = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 302, f"sign-in of {username} failed ({status})"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class PortalServer:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Browserless:
        return Browserless(self.base)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def portal_environment(**env: str) -> dict[str, str]:
    """Production-like settings on the test database; `env` adds or overrides (e.g. REDIS_URL)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "fault-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "HTTPS": "0",
        "STATIC_MANIFEST": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "EMAIL_URL": "locmem://",
        "AXES_ENABLED": "0",
        **env,
    }


@pytest.fixture
def start_portal(transactional_db, tmp_path) -> Iterator:
    """Start gunicorn on the test database with extra environment; stopped after the test."""
    servers: list[PortalServer] = []

    def _start(**env: str) -> PortalServer:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        command = ["gunicorn", "supervision.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env=portal_environment(**env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(port, timeout=30)
        server = PortalServer(port, process, log)
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator:
    """Start a real Celery worker process on the test database with extra environment."""
    workers: list[subprocess.Popen] = []

    def _start(*options: str, **env: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(workers)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "supervision", "worker", "--loglevel", "WARNING", *options],
            cwd=ROOT,
            env=portal_environment(**env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        workers.append(process)
        return process

    yield _start
    for process in workers:
        if process.poll() is None:
            process.terminate()
            process.wait(30)
