"""The selection board timed in-process, next to the in-stack bare view (run by hand, not a test).

On a shared machine wrk's figures follow the neighbours' load; one request at a time in one process,
alternating the board and the bare view, gives a steadier ratio. Needs a database kept by
`bench/web.py --setup-only` (same `--database` and `--redis`):

    .venv/bin/python bench/web.py --setup-only --database portal_bench_bp --redis redis://127.0.0.1:6379/7
    .venv/bin/python bench/board_inprocess.py --database portal_bench_bp --redis redis://127.0.0.1:6379/7

Prints the medians, their ratio, the board's queries and its size. To compare two versions of the
code, run this script from each tree in turn (a few rounds each, interleaved) against the same database.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inprocess  # noqa: E402 - after the project is on the path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    inprocess.add_database_options(parser)
    parser.add_argument("--requests", type=int, default=30, help="timed requests of each page")
    parser.add_argument("--path", default="", help="the board's path (default: bench/days_board.py's event, the "
                        "one bench/web.py loads); any other page can be timed the same way")
    parser.add_argument("--as", dest="who", choices=["staff", "member"], default="staff",
                        help="whose session asks for --path (the bench's staff user or its approved member)")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cProfile)")
    args = parser.parse_args()
    inprocess.setup(args)
    from django.db import connection

    from bench import dataset
    from events.models import Event, EventKind

    staff = inprocess.signed_in_client(dataset.STAFF_EMAIL)
    member = inprocess.signed_in_client(dataset.MEMBER_EMAIL)
    event = Event.objects.filter(kind=EventKind.IN_PERSON, title="City Managers Days").order_by("pk").first()
    path = args.path or f"/staff/days/{event.pk}/board/"

    def timed(client, url):
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - started) * 1000, response

    client = staff if args.who == "staff" else member
    for _ in range(3):  # warm: templates, translations, the board's cached figures
        timed(client, path), timed(member, "/bench/in-stack/")
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        _ms, response = timed(client, path)
    board, bare = [], []
    for _ in range(args.requests):
        board.append(timed(client, path)[0])
        bare.append(timed(member, "/bench/in-stack/")[0])
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            timed(client, path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    print(f"{path}: page {statistics.median(board):.1f} ms, in-stack bare view {statistics.median(bare):.1f} ms "
          f"(medians of {args.requests}), {statistics.median(bare) / statistics.median(board):.2f}x the bare view; "
          f"{len(queries)} queries, {len(response.content):,} bytes")


if __name__ == "__main__":
    main()
