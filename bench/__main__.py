"""`python -m bench`: build the synthetic province, measure, write bench/RESULTS.md; exit 1 on a missed target.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/supervision_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python -m bench [--scale full|small] [--keep] [--only pages,load,pdf,january,imports]

The database named by DATABASE_URL is dropped and created again (unless --keep reuses the dataset
already there); it must be a database of its own, never the portal's.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

PARTS = ("pages", "load", "pdf", "january", "imports")
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/supervision_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"


def _environment(media_root: str) -> None:
    """What the bench runs with: production settings (DEBUG off) on its own database and Redis number."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ["HTTPS"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ["EMAIL_URL"] = "locmem://"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["MEDIA_ROOT"] = media_root
    os.environ["DJANGO_SETTINGS_MODULE"] = "supervision.settings"


def _recreate_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in {"", "postgres", "supervision"}:
        raise SystemExit(f"refusing to drop database {name!r}: give the bench a database of its own")
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("full", "small"), default=os.environ.get("BENCH_SCALE", "full"))
    parser.add_argument("--keep", action="store_true", help="reuse the dataset already in the database")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--output", default=str(Path(__file__).with_name("RESULTS.md")))
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    # Stopped with SIGTERM (a timeout, Ctrl-C in make): unwind, so that the gunicorn, Celery and wrk
    # processes started below are stopped by their context managers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    media = tempfile.mkdtemp(prefix="bench-media-")
    _environment(media)
    started = time.monotonic()
    if not args.keep:
        print(f"Creating the bench database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}", flush=True)
        _recreate_database(os.environ["DATABASE_URL"])

    import logging

    import django

    django.setup()
    for noisy in ("axes", "supervision.security"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from django.core.cache import cache
    from django.core.management import call_command

    from . import dataset as ds
    from . import report
    from .common import Results

    results = Results()
    build_seconds = None
    if not args.keep:
        call_command("migrate", interactive=False, verbosity=0)
        print(f"Migrated in {time.monotonic() - started:.0f} s; building the {args.scale} dataset", flush=True)
        build_started = time.monotonic()
        data = ds.build(ds.Scale.named(args.scale))
        build_seconds = time.monotonic() - build_started
        print(f"Built in {build_seconds:.0f} s", flush=True)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        data = ds.load()
    cache.clear()
    # This process built (or loaded) the dataset and keeps its objects; a server process does not.
    # Frozen, they are no longer scanned by the garbage collector during the timed requests (a full
    # collection over them showed up as a lone 250 ms request in a page's ten).
    gc.collect()
    gc.freeze()

    if "pages" in parts:
        from . import pages

        full = args.scale == "full"
        pages.run(data, results, warm_runs=20 if full else 5, cold_runs=10 if full else 3)
    if "load" in parts:
        from . import load

        load.run(data, results, duration=10 if args.scale == "full" else 5)
    if "pdf" in parts:
        from . import pdf

        pdf.run_single(data, results, runs=7 if args.scale == "full" else 3)
    if "january" in parts:
        from . import pdf

        pdf.run_january(data, results)
    if "imports" in parts:
        from . import imports

        imports.run(data, results, rows=5000 if args.scale == "full" else 1000)

    total = time.monotonic() - started
    report.write(
        Path(args.output),
        results,
        data,
        scale=args.scale,
        parts=parts,
        build_seconds=build_seconds,
        total=total,
        argv=argv or sys.argv[1:],
    )
    print(f"\nWrote {args.output} ({total:.0f} s in all).")
    if results.missed:
        print(f"{len(results.missed)} target(s) missed:")
        for check in results.missed:
            print("  " + check.line())
        return 1
    print("Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
