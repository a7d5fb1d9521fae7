"""The staff lists timed in-process, one request at a time (run by hand, not a test).

What bench/web.py's "one request" figures cost in the server alone, without gunicorn and the
network, and where that time goes: each page's median, its queries (count and time in the
database) and, with ``--profile``, the top of a cProfile of one page. Needs a database kept by
`bench/web.py --setup-only` (same `--database` and `--redis`):

    .venv/bin/python bench/web.py --setup-only --database portal_bench_sl --redis redis://127.0.0.1:6379/11
    .venv/bin/python bench/staff_inprocess.py --database portal_bench_sl --redis redis://127.0.0.1:6379/11
    .venv/bin/python bench/staff_inprocess.py ... --only "member search" --profile --queries

To compare two versions of the code, run it from each tree in turn against the same database.
"""

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inprocess  # noqa: E402 - after the project is on the path

# The staff pages of bench/web.py's targets (kind "staff").
PAGES = {
    "admin member list": "/admin/community/member/",
    "admin member search": "/admin/community/member/?q=garcia-1",
    "admin organisation list": "/admin/community/organisation/",
    "admin organisation search": "/admin/community/organisation/?q=city+0042",
    "admin portrait list, drafts": "/admin/surveys/portrait/?status__exact=draft",
    "staff peers table": "/staff/peers/",
    "staff funnel page (20,000 members)": "/staff/events/funnel/{edition}/",
    "in-stack bare view (member)": "/bench/in-stack/",
    "admin editions (one row: the admin's own cost)": "/admin/community/edition/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    inprocess.add_database_options(parser)
    parser.add_argument("--requests", type=int, default=15, help="timed requests of each page")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of each page")
    parser.add_argument("--queries", action="store_true", help="print each page's queries with their times")
    args = parser.parse_args()
    inprocess.setup(args)
    from django.db import connection

    from bench import dataset
    from community.models import Edition

    edition = Edition.objects.order_by("-year").values_list("pk", flat=True).first()  # bench/days_programme.py's
    staff = inprocess.signed_in_client(dataset.STAFF_EMAIL)
    member = inprocess.signed_in_client(dataset.MEMBER_EMAIL)

    cpu, faults = [], []

    def timed(client, url):
        started, started_cpu = time.perf_counter(), time.process_time()
        started_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        cpu.append((time.process_time() - started_cpu) * 1000)  # this process only: steadier on a busy machine
        # Pages mapped afresh: thousands per request when CPython 3.11 frees and maps again a frame chunk
        # at every call crossing one of its boundaries (README, "Web: the staff lists").
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - started_faults)
        return (time.perf_counter() - started) * 1000, response

    for name, path in PAGES.items():
        if args.only not in name:
            continue
        client = member if "member)" in name else staff
        path = path.format(edition=edition)
        for _ in range(3):
            timed(client, path)
        queries = []

        def record(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql))

        with connection.execute_wrapper(record):
            _ms, response = timed(client, path)
        cpu.clear()
        faults.clear()
        times = [timed(client, path)[0] for _ in range(args.requests)]
        db = sum(ms for ms, _sql in queries)
        print(f"{name}: {statistics.median(times):.1f} ms (median of {args.requests}; Python's CPU "
              f"{statistics.median(cpu):.1f} ms, {statistics.median(faults):.0f} page faults), {len(queries)} queries "
              f"{db:.1f} ms, {len(response.content):,} bytes", flush=True)
        if args.queries:
            for ms, sql in queries:
                print(f"    {ms:6.1f} ms  {sql[:300]}")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(5):
                client.get(path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(int(os.environ.get("TOP", "45")))
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
