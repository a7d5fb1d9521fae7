"""Portrait export benchmark (run by hand: `make bench-portraits`, part of `make bench`; not a test).

Builds 10,000 organisations with one member each and a survey of 25 questions with 10,000 answered
portraits (bench/dataset.py), then runs the staff's export (surveys.exports, the same generators the
export view streams) for CSV and XLSX in this process: rows per second, and the peak memory the
export allocates (tracemalloc, measured in a second pass so that the timing is not slowed by it).
Target (issue #9): peak under 200 MB.

Uses only its own database, `portal_bench_portraits` (dropped and made again). Results are appended
to bench/results-portraits.json and printed as a table.
"""

import argparse
import os
import secrets
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import Measure, table, write  # noqa: E402

PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "portal_bench_portraits"


def psql(sql):
    subprocess.run(["psql", PG + "/postgres", "-qc", sql], check=True, capture_output=True)


def consume(chunks) -> int:
    if hasattr(chunks, "read"):  # the XLSX: an open temporary file, as the response streams it
        file = chunks
        chunks = iter(lambda: file.read(1 << 16), b"")
    size = 0
    for chunk in chunks:
        size += len(chunk)
    return size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portraits", type=int, default=10_000)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results-portraits.json")
    args = parser.parse_args()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        # Nothing is queued here; production settings just require the names.
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "PORTAL_BASE_URL": "http://127.0.0.1:8765",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(f"CREATE DATABASE {DATABASE}")
    try:
        os.environ.update(env)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
        import django

        django.setup()
        from django.db import connection

        from bench import dataset
        from surveys import exports, results

        t0 = time.perf_counter()
        # The dataset makes nine in ten organisations members; portraits are of member organisations.
        organisations = args.portraits * 10 // 9 + 20
        data = dataset.build(organisations=organisations, members=organisations)
        survey_data = dataset.build_survey(member=data.member, portraits=args.portraits)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"dataset: {survey_data.portraits} portraits ({survey_data.answers} answers) "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        survey = survey_data.survey
        portraits = results.portraits_in_scope(survey, include_drafts=True, region="")
        rows = portraits.count()
        measures = []
        for fmt, export in (("CSV", exports.portrait_export_csv), ("XLSX", exports.portrait_export_xlsx)):
            t0 = time.perf_counter()
            size = consume(export(survey, portraits))
            seconds = time.perf_counter() - t0
            tracemalloc.start()
            consume(export(survey, portraits))
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            print(f"portrait export {fmt}: {rows} rows, {size / 2**20:.1f} MB in {seconds:.1f} s "
                  f"({rows / seconds:.0f} rows/s), peak {peak:.1f} MB", flush=True)
            measures += [
                Measure.check(f"portrait export {fmt}: rows per second ({rows} portraits)", rows / seconds, "rows/s"),
                Measure.check(f"portrait export {fmt}: wall time ({rows} portraits)", seconds, "s"),
                Measure.check(f"portrait export {fmt}: peak memory", peak, "MB", below=200),
            ]
        write(measures, args.output, portraits=rows)
        print(table(measures))
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
