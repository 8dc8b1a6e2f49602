"""Throughput and latency under a bounded load: wrk on loopback against gunicorn with 3 workers.

Each target is loaded in turn, in several rounds interleaved with the others, with the same number
of connections: `/healthz` (the framework's floor: no database, no template), the public disclosure
page, the public ranking page and the dashboard (signed in: wrk sends the session cookie). Each
page's throughput is also given as a share of `/healthz`'s in the same run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from .common import ROOT, Results, free_port, median, process, wait_http
from .dataset import Dataset

WORKERS = 3
CONNECTIONS = 8
ROUNDS = 3
DISCLOSURE_P95 = 0.100
DISCLOSURE_SHARE = 0.30

LUA = """
done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format("BENCH requests=%d errors=%d seconds=%.3f p50=%.3f p95=%.3f p99=%.3f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""
LINE = re.compile(r"BENCH requests=(\d+) errors=(\d+) seconds=([\d.]+) p50=([\d.]+) p95=([\d.]+) p99=([\d.]+)")


@dataclass
class Target:
    name: str
    path: str
    cookie: str = ""
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)  # ms
    p95: list[float] = field(default_factory=list)
    errors: int = 0


def _session_cookie(dataset: Dataset) -> str:
    client = Client()
    client.force_login(dataset.province.users["assessor"])
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _wrk(url: str, cookie: str, seconds: int, script: Path) -> tuple[float, float, float, int]:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    match = LINE.search(output)
    if match is None:
        raise RuntimeError(f"wrk said:\n{output}")
    requests, errors, elapsed, p50, p95, _p99 = match.groups()
    return int(requests) / float(elapsed), float(p50), float(p95), int(errors)


def _gunicorn(port: int, log: Path):
    return process(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "supervision.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            "-",
        ],
        env={"DJANGO_SETTINGS_MODULE": "supervision.settings", "PYTHONPATH": str(ROOT)},
        log=log,
    )


def run(dataset: Dataset, results: Results, *, duration: int) -> None:
    province = dataset.province
    targets = [
        Target("trivial view /healthz", reverse("healthz")),
        Target("public disclosure page", reverse("disclosure:list")),
        Target(
            "public ranking page",
            reverse("assessment_public:ranking", args=[province.years["published"]]) + f"?city={province.city.code}",
        ),
        Target("dashboard (signed in)", reverse("dashboard"), cookie=_session_cookie(dataset)),
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(LUA)
        log = Path(tmp) / "gunicorn.log"
        with _gunicorn(port, log):
            wait_http(base + reverse("healthz"))
            for target in targets:  # warm up every worker and the cache
                _wrk(base + target.path, target.cookie, 2, script)
            for _round in range(ROUNDS):
                for target in targets:
                    rps, p50, p95, errors = _wrk(base + target.path, target.cookie, duration, script)
                    target.rps.append(rps)
                    target.p50.append(p50)
                    target.p95.append(p95)
                    target.errors += errors
        if any(t.errors for t in targets):
            print(log.read_text()[-3000:], file=sys.stderr)
    _judge(results, targets, duration)


def _judge(results: Results, targets: list[Target], duration: int) -> None:
    floor = median(targets[0].rps)
    lines = [
        f"gunicorn with {WORKERS} sync workers, Redis cache on, DEBUG off; wrk with 1 thread and {CONNECTIONS} "
        f"connections on loopback (the same 2 cores), {ROUNDS} rounds of {duration} s per target, interleaved. "
        "Figures are the median over rounds (the worst round in brackets).",
        "",
        "| target | requests/s | share of /healthz | p50 latency | p95 latency | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for target in targets:
        share = median(target.rps) / floor if floor else 0
        lines.append(
            f"| {target.name} | {median(target.rps):.0f} ({min(target.rps):.0f}) | {share:.0%} | "
            f"{median(target.p50):.1f} ms | {median(target.p95):.1f} ms ({max(target.p95):.1f}) | {target.errors} |"
        )
        results.check(f"load: {target.name} errors", target.errors, "0", target.errors == 0)
        if target.name.startswith("public disclosure"):
            results.check(
                "load: disclosure p95 latency",
                f"{median(target.p95):.1f} ms",
                f"≤ {DISCLOSURE_P95 * 1000:.0f} ms",
                median(target.p95) <= DISCLOSURE_P95 * 1000,
            )
            results.check(
                "load: disclosure throughput share of /healthz",
                f"{share:.0%} ({median(target.rps):.0f}/{floor:.0f} rps)",
                f"≥ {DISCLOSURE_SHARE:.0%}",
                share >= DISCLOSURE_SHARE,
            )
        elif target is not targets[0]:
            results.check(
                f"load: {target.name}",
                f"{median(target.rps):.0f} rps, {share:.0%} of /healthz, p95 {median(target.p95):.1f} ms",
            )
        else:
            results.check(f"load: {target.name}", f"{median(target.rps):.0f} rps, p95 {median(target.p95):.1f} ms")
    results.section("Load: gunicorn and wrk", "\n".join(lines))
