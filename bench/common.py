"""Figures, budgets and the processes the bench starts (and always stops)."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile (with 20 samples: the 19th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


@dataclass
class Check:
    """One figure against its target: `ok` is None when the figure has no target."""

    name: str
    value: Any
    target: str = ""
    ok: bool | None = None

    def line(self) -> str:
        mark = {True: "ok  ", False: "MISS", None: "    "}[self.ok]
        return f"{mark} {self.name}: {self.value}" + (f"  (target {self.target})" if self.target else "")


@dataclass
class Results:
    checks: list[Check] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, markdown)

    def check(self, name: str, value: Any, target: str = "", ok: bool | None = None) -> Check:
        entry = Check(name, value, target, ok)
        self.checks.append(entry)
        print(entry.line(), flush=True)
        return entry

    def section(self, title: str, markdown: str) -> None:
        self.sections.append((title, markdown))

    @property
    def missed(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.3)


@contextmanager
def process(args: list[str], *, env: dict[str, str] | None = None, log: Path | None = None):
    """Start a process in its own process group and stop the whole group on the way out."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield proc
    finally:
        _stop(proc)
        if log:
            out.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
