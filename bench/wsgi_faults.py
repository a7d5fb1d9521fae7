"""Page faults and CPU per request in one gunicorn sync worker, with and without the WSGI entry's own
frame-stack chunk (portal/wsgi.py). Run by hand, not a test:

    .venv/bin/python bench/web.py --setup-only --database portal_bench --redis redis://127.0.0.1:6379/5
    .venv/bin/python bench/wsgi_faults.py --database portal_bench --redis redis://127.0.0.1:6379/5

Each page is asked for one request at a time (after ten to warm up); the worker's minor page faults and
CPU time are read from /proc before and after.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inprocess  # noqa: E402 - after the project is on the path

PAGES = ["/admin/community/member/?q=garcia-1", "/admin/community/member/", "/admin/community/organisation/",
         "/admin/surveys/portrait/?status__exact=draft", "/dashboard/", "/profile/"]
ENTRIES = {"own chunk (config/wsgi.py)": "config.wsgi_bench:application",
           "shared chunks": "config.wsgi_bench:application_in_shared_chunks"}


def worker_counters(pid: int):
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[7]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(entry, port, cookies, requests):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", entry, "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=ROOT, env=os.environ, start_new_session=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
        for path in PAGES:
            cookie = cookies["staff" if path.startswith("/admin/") else "member"]
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                             headers={"Cookie": f"sessionid={cookie}"})
            for _ in range(10):
                urllib.request.urlopen(request).read()
            faults, cpu = worker_counters(worker)
            for _ in range(requests):
                urllib.request.urlopen(request).read()
            faults_after, cpu_after = worker_counters(worker)
            yield path, (faults_after - faults) / requests, (cpu_after - cpu) * 1000 / requests
    finally:
        os.killpg(server.pid, 15)
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    inprocess.add_database_options(parser)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--port", type=int, default=8466)
    args = parser.parse_args()
    inprocess.setup(args)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    from bench import dataset
    from community.models import User

    cookies = {who: dataset.session_for(User.objects.get(email=email))
               for who, email in (("staff", dataset.STAFF_EMAIL), ("member", dataset.MEMBER_EMAIL))}
    results = {name: list(measure(entry, args.port, cookies, args.requests)) for name, entry in ENTRIES.items()}
    print(f"{'page':45}" + "".join(f"{name:>34}" for name in results))
    for row in zip(*results.values(), strict=True):
        print(f"{row[0][0]:45}" + "".join(f"{faults:>12.0f} faults {cpu:>8.1f} ms CPU" for _path, faults, cpu in row))


if __name__ == "__main__":
    main()
