"""bench/RESULTS.md: the machine, the date, the commands, then every figure against its target."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from .common import ROOT, Results


def _machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}), {memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}; load average at the end {load}"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def _postgres() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def write(
    path: Path,
    results: Results,
    data: Any,
    *,
    scale: str,
    parts: list[str],
    build_seconds: float | None,
    total: float,
    argv: list[str],
) -> None:
    missed = results.missed
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. How to run it and what it builds: README,",
        "section *Performance*, and the docstrings of `bench/`.",
        "",
        f"- **Date**: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit `{_commit()}`",
        f"- **Machine**: {_machine()}; PostgreSQL {_postgres()}",
        f"- **Command**: `python -m bench {' '.join(argv)}`".rstrip()
        + f" (scale **{scale}**, parts {', '.join(parts)})",
        f"- **Dataset build**: {build_seconds:.0f} s"
        if build_seconds is not None
        else "- **Dataset**: reused (--keep)",
        f"- **Whole run**: {total:.0f} s",
        f"- **Verdict**: {'every target met' if not missed else f'{len(missed)} target(s) missed'}",
        "",
    ]
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        lines += [
            "> **The machine was busy with other work during this run** (load average above the number of CPUs):",
            "> times and throughputs are pessimistic; query counts, sizes and the all-or-nothing checks are not affected.",
            "",
        ]
    if getattr(data, "counts", None):
        lines += ["## Dataset", "", "| records | count |", "| --- | ---: |"]
        lines += [f"| {name} | {count:,} |" for name, count in data.counts.items()]
        lines.append("")
    for title, markdown in results.sections:
        lines += [f"## {title}", "", markdown, ""]
    lines += ["## Every figure against its target", "", "```"]
    lines += [check.line() for check in results.checks]
    lines += ["```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
