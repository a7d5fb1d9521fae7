"""Outbox benchmark (run by hand: `make bench`; not a test).

1. Enqueue N messages through mailings.services.mail_queue in one transaction: time to write the rows
   (rendering included), then time to commit and publish one Celery task per row.
2. Dispatch them through a real Celery worker (Redis broker) to a local SMTP sink; rate = N / time
   until every row is "sent" and the sink has counted them.
3. Send the same N messages with raw smtplib over one connection to the same sink.
Prints both rates and their ratio. Targets: rows written in under 5 s; Celery at least half the raw rate.

Needs the machine's PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379); it makes a
throwaway database and drops it at the end.
"""

import argparse
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--messages", type=int, default=10_000)
    parser.add_argument("-c", "--concurrency", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    database = f"portal_bench_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"{PG}/{database}",
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    subprocess.run(["psql", PG + "/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
    worker = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        import redis

        redis.Redis.from_url(BROKER).flushdb()

        from tests.smtp_sink import SmtpSink

        with SmtpSink() as sink:
            env.update(
                DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(sink.port),
            )
            worker = start_worker(env, args.concurrency)
            rows_seconds, publish_seconds = enqueue(args.messages)
            celery_seconds = wait_sent(args.messages, sink)
            doubles = sum(1 for n in sink.handler.received.values() if n > 1)
            raw_seconds = raw_smtplib(args.messages, sink.port)

        n = args.messages
        celery_rate, raw_rate = n / celery_seconds, n / raw_seconds
        print(f"messages:                     {n}")
        print(f"rows rendered and written:    {rows_seconds:.2f} s ({n / rows_seconds:.0f} rows/s)  target < 5 s")
        print(f"commit + publish tasks:       {publish_seconds:.2f} s")
        print(f"celery dispatch ({args.concurrency} procs):    {celery_seconds:.2f} s = {celery_rate:.0f} msg/s")
        print(f"raw smtplib (1 connection):   {raw_seconds:.2f} s = {raw_rate:.0f} msg/s")
        print(f"ratio celery / raw:           {celery_rate / raw_rate:.2f}  target >= 0.5")
        print(f"doubles at the sink:          {doubles}")
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"], check=False)


def start_worker(env, concurrency):
    """A real Celery worker (prefork) in its own process group, with ``env`` (its broker, database and
    SMTP sink); stop it with ``os.killpg(worker.pid, signal.SIGTERM)``. Also used by bench/web.py."""
    log = Path(tempfile.mkdtemp()) / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=prefork",
         f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
         "--without-heartbeat", f"--hostname=bench-{uuid.uuid4().hex[:6]}@%h", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    time.sleep(4)  # let the worker start before the clock runs
    return worker


def enqueue(count):
    """The batch path (mail_queue_many), as a bulk invitation uses it: rendering, then rows."""
    from django.db import transaction

    from mailings.services import MailRequest, mail_queue_many

    context = {"first_name": "Ana", "organisation_name": "AMB", "dashboard_url": "http://127.0.0.1:8000/dashboard/"}
    requests = [
        MailRequest(to=f"bench-{i}@example.org", template="membership_approved", context=context,
                    dedupe_key=f"bench:{i}")
        for i in range(count)
    ]
    started = time.perf_counter()
    with transaction.atomic():
        mail_queue_many(requests)
        rows_done = time.perf_counter()
    return rows_done - started, time.perf_counter() - rows_done


def wait_sent(count, sink):
    from mailings.models import OutboxMessage, OutboxStatus

    started = time.perf_counter()
    while OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() < count or sink.handler.total < count:
        time.sleep(0.05)
        if time.perf_counter() - started > 600:
            raise SystemExit("Celery dispatch did not finish in 10 minutes")
    return time.perf_counter() - started


def raw_smtplib(count, port):
    from mailings.delivery import build_email
    from mailings.models import OutboxMessage

    payloads = [
        (m.recipient, build_email(m).message().as_bytes(linesep="\r\n"))
        for m in OutboxMessage.objects.order_by("pk")[:count]
    ]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, payload in payloads:
            smtp.sendmail("community@portal.example", [recipient], payload)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
