"""Web benchmark (run by hand: `make bench-web`, or `make bench` with the outbox one; not a test).

gunicorn (2 sync workers) serves the production settings (config.settings.bench: production plus
two bare views) on PostgreSQL and Redis, over a dataset of 2,000 organisations and 20,000 members,
and a survey of 25 questions with 1,000 answered portraits (bench/dataset.py). wrk (Debian's
package, installed when missing) loads each page for 10 s at 16
connections, alternating with the in-stack bare view as the baseline. Staff lists are also timed
one request at a time. The member export (CSV, XLSX) is timed over HTTP and its peak memory taken
in-process with tracemalloc. Results: bench/results.json and a table.

The webinar (issue 10): 10,000 eligible members invited at once ("invite all eligible": rows written,
then every email delivered by a real Celery worker to a local SMTP sink, counted once each), then
the event page and the RSVP POST of an invitee who answered yes, against the baseline.

Uses only its own names: by default database `portal_bench` (dropped and made again), Redis db 9,
port 8765 (`--database`, `--redis`, `--port` to run beside another bench).
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import Measure, table, write  # noqa: E402

PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "portal_bench"
REDIS = "redis://127.0.0.1:6379/9"
HOST, PORT = "127.0.0.1", 8765
BASELINE = "/bench/in-stack/"


def main():
    global DATABASE, REDIS, PORT  # --database, --redis, --port: a run beside another one on the same machine
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DATABASE, help="name of the bench's own database (dropped, made)")
    parser.add_argument("--redis", default=REDIS, help="Redis URL of the bench's broker and cache (flushed)")
    parser.add_argument("--port", type=int, default=PORT, help="port of the bench's gunicorn")
    parser.add_argument("--applications", type=int, default=1000, help="applications on the selection board")
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--portraits", type=int, default=1000, help="answered portraits of the survey")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--eligible", type=int, default=10_000, help="members eligible for the webinar")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="measure only the pages whose name contains TEXT (several: 'admin,staff peers'), next to "
                             "the baseline; "
                             "the webinar's invitations, the POSTs, the exports and the grants are skipped")
    parser.add_argument("--setup-only", action="store_true",
                        help="build the database and keep it (to profile a page by hand), measure nothing")
    args = parser.parse_args()
    configure(args.database, args.redis, args.port)
    started = time.perf_counter()
    ensure_wrk()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "CELERY_BROKER_URL": REDIS,
        "REDIS_URL": REDIS,
        "PORTAL_BASE_URL": f"http://{HOST}:{PORT}",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(f"CREATE DATABASE {DATABASE}")
    server = None
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        from bench import dataset

        t0 = time.perf_counter()
        data = dataset.build(organisations=args.organisations, members=args.members)
        survey_data = dataset.build_survey(member=data.member, portraits=args.portraits)
        from bench import days_board

        board_data = days_board.build(edition=survey_data.survey.edition, applications=args.applications)
        build_seconds = time.perf_counter() - t0
        staff_cookie = f"sessionid={dataset.session_for(data.staff)}"
        member_cookie = f"sessionid={dataset.session_for(data.member.user)}"
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        print(f"dataset: {data.organisations} organisations, {data.members} members, "
              f"{data.invitations} invitations, {survey_data.portraits} portraits ({survey_data.submitted} submitted, "
              f"{survey_data.answers} answers) in {build_seconds:.1f} s", flush=True)
        peer_measures = peers_measures(survey_data)
        # After the peers' in-process measures: the portraits it may add (without answers) do not change them.
        t0 = time.perf_counter()
        webinar = dataset.build_webinar(member=data.member, survey=survey_data.survey, eligible=args.eligible)
        print(f"webinar: {webinar.eligible} eligible members ({webinar.extra_portraits} submitted portraits "
              f"added) in {time.perf_counter() - t0:.1f} s", flush=True)
        event = webinar.event
        from bench import days_programme

        days_data = days_programme.build()  # City Managers Days: the funnel and the participants' export
        if args.setup_only or args.only:
            from events import services

            services.invitations_issue(event=event, members=[data.member])
            webinar_measures = []
        else:
            webinar_measures = invite_measures(webinar, data.staff, env)
        token = rsvp_yes(event, data.member)
        if args.setup_only:
            print(f"kept: DATABASE_URL={PG}/{DATABASE}; staff {staff_cookie}; member {member_cookie}")
            return

        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi_bench:application", "--workers", "2",
             "--bind", f"{HOST}:{PORT}", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        wait_up()
        targets = web_targets(data, survey_data, event, staff_cookie=staff_cookie, member_cookie=member_cookie)
        targets.update(days_programme.targets(days_data, staff_cookie))
        # A staff page with the member pages' targets (>= 0.5x the bare view, p99 < 100 ms): kind "member".
        targets[f"selection board ({board_data.applications:,} applications)"] = (
            days_board.board_path(board_data), staff_cookie, "member")
        if args.only:
            wanted = [text.strip().casefold() for text in args.only.split(",") if text.strip()]
            targets = {name: target for name, target in targets.items()
                       if any(text in name.casefold() for text in wanted) or target[0] == BASELINE}
        for name, (path, cookie, _kind) in targets.items():
            status, _ms = fetch(path, cookie)
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status}, not 200: the bench setup is wrong")

        measures = [Measure.check("dataset build", build_seconds, "s", below=30)]
        # One request at a time (after a few to warm the caches): what a staff member waits.
        for name, (path, cookie, kind) in targets.items():
            if kind == "staff":
                timings = [fetch(path, cookie)[1] for _ in range(9)][2:]
                print(f"{name}: one request {statistics.median(timings):.0f} ms (median of 7)", flush=True)
                measures.append(Measure.check(f"{name}: one request (median)", statistics.median(timings), "ms",
                                              below=150))
        print("warm-up", flush=True)
        for path, cookie, _kind in targets.values():
            wrk(path, cookie, duration=2, connections=4)
            drain()

        failed = 0
        for name, (path, cookie, kind) in targets.items():
            if kind == "limit" and path == BASELINE:
                continue
            baseline = wrk(BASELINE, member_cookie, args.duration, args.connections)
            result = wrk(path, cookie, args.duration, args.connections)
            drain()
            failed += baseline["errors"] + result["errors"]
            print(f"{name}: {result['rps']:.0f} req/s, p99 {result['p99']:.0f} ms "
                  f"(baseline {baseline['rps']:.0f} req/s)", flush=True)
            if kind == "limit":
                measures.append(Measure.check(f"{name}: throughput", result["rps"], "req/s"))
                measures.append(Measure.check(f"{name}: p99", result["p99"], "ms"))
                measures.append(Measure.check("in-stack bare view, signed in: throughput", baseline["rps"], "req/s"))
                measures.append(Measure.check("in-stack bare view, signed in: p99", baseline["p99"], "ms"))
            elif kind == "member":
                measures.append(Measure.check(f"{name}: throughput", result["rps"], "req/s"))
                measures.append(Measure.check(f"{name}: x in-stack bare view", result["rps"] / baseline["rps"], "x",
                                              above=0.5))
                measures.append(Measure.check(f"{name}: p99", result["p99"], "ms", below=100))
            elif kind == "staff":
                measures.append(Measure.check(f"{name}: throughput", result["rps"], "req/s"))
                measures.append(Measure.check(f"{name}: p99 under load", result["p99"], "ms", below=300))
            else:
                measures.append(Measure.check(f"{name}: throughput", result["rps"], "req/s"))
                measures.append(Measure.check(f"{name}: p99", result["p99"], "ms", below=100))
        if args.only:
            measures.append(Measure.check("failed requests under load (errors, timeouts)", failed, "requests",
                                          below=1))
            return finish(args, measures, started)
        save = answer_save_measures(survey_data, member_cookie, args.duration, args.connections)
        failed += save.pop("errors")
        measures += save["measures"]
        rsvp = rsvp_post_measures(token, member_cookie, args.duration, args.connections)
        failed += rsvp.pop("errors")
        measures += rsvp["measures"] + webinar_measures
        measures += peer_measures
        measures.append(Measure.check("failed requests under load (errors, timeouts)", failed, "requests", below=1))

        measures += export_measures(staff_cookie, data.staff, data.members)
        measures += days_board.grants_measures(board_data, staff=data.staff)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.setup_only:
            psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", check=False)

    return finish(args, measures, started)


def finish(args, measures, started):
    if not args.only:
        measures.append(Measure.check("bench total time", time.perf_counter() - started, "s", below=360))
    write(measures, args.output, organisations=args.organisations, members=args.members, portraits=args.portraits,
          eligible=args.eligible, duration_seconds=args.duration, connections=args.connections, workers=2)
    print(table(measures))
    print(f"written to {args.output}")


def web_targets(data, survey_data, event, *, staff_cookie, member_cookie):
    """name -> (path, cookie, kind); kind: "limit", "member" (vs the baseline), "staff", "other"."""
    org = data.organisation.pk
    survey, section = survey_data.survey.pk, survey_data.section.pk
    return {
        "bare template, no middleware": ("/bench/bare/", "", "limit"),
        "in-stack bare view, signed in": (BASELINE, member_cookie, "limit"),
        "home": ("/", member_cookie, "member"),
        "dashboard": ("/dashboard/", member_cookie, "member"),
        "organisation page": (f"/organisations/{org}/", member_cookie, "member"),
        "profile page": ("/profile/", member_cookie, "member"),
        "portrait section page (25 questions)": (f"/portrait/{survey}/section/{section}/", member_cookie,
                                                 "member"),
        "peers page (member, top 5 of 1,000)": (f"/portrait/{survey}/peers/", member_cookie, "member"),
        "admin member list": ("/admin/community/member/", staff_cookie, "staff"),
        "admin member search": ("/admin/community/member/?q=garcia-1", staff_cookie, "staff"),
        "admin organisation list": ("/admin/community/organisation/", staff_cookie, "staff"),
        "admin organisation search": ("/admin/community/organisation/?q=city+0042", staff_cookie, "staff"),
        # The staff "not submitted" list is another branch's: the portraits' list filtered to drafts stands in.
        "admin portrait list, drafts": ("/admin/surveys/portrait/?status__exact=draft", staff_cookie, "staff"),
        "staff peers table": ("/staff/peers/", staff_cookie, "staff"),
        "event page (invited, answered yes)": (f"/events/{event.pk}/", member_cookie, "member"),
        "/healthz": ("/healthz", "", "other"),
    }


def configure(database, redis_url, port):
    global DATABASE, REDIS, PORT
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise SystemExit(f"--database {database!r}: letters, digits and _ only (it is dropped and made again)")
    DATABASE, REDIS, PORT = database, redis_url, port


def peers_measures(survey_data):
    """Peers for every organisation, in-process: the staff table (all pairs of the submitted portraits,
    from one query of their picks) and one member's top 5. Median of 5 runs each."""
    from surveys import peers
    from surveys.models import Portrait

    survey = survey_data.survey
    table, one = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        pairs = peers.peer_table(survey, limit=100)
        table.append(time.perf_counter() - t0)
    portrait = Portrait.objects.filter(survey=survey, show_to_peers=True).select_related("survey").first()
    for _ in range(5):
        t0 = time.perf_counter()
        peers.peers_for(portrait)
        one.append(time.perf_counter() - t0)
    data = peers.peer_data(survey)
    compared = len(data.portraits) * (len(data.portraits) - 1) // 2
    print(f"peers: whole table of {len(data.portraits)} submitted portraits ({compared} pairs) in "
          f"{statistics.median(table) * 1000:.0f} ms, top pair {pairs[0].percent if pairs else 0}%; one member's "
          f"top 5 in {statistics.median(one) * 1000:.0f} ms", flush=True)
    return [
        Measure.check(f"peers: whole table, {len(data.portraits)} submitted portraits (median of 5)",
                      statistics.median(table), "s", below=2),
        Measure.check("peers: one member's top 5 (median of 5)", statistics.median(one) * 1000, "ms"),
    ]


def invite_measures(webinar, staff, env, concurrency=2):
    """ "Invite all eligible" on the webinar, as the admin action runs it: the invitations and their
    outbox rows written in one transaction (each email rendered in the member's language with its
    calendar file), then the tasks published on commit; a real Celery worker (bench/outbox.py's)
    delivers them to a local SMTP sink, which counts each email by its dedupe key."""
    from django.db import transaction

    from bench.outbox import start_worker
    from events import services
    from mailings.models import OutboxMessage, OutboxStatus
    from tests.smtp_sink import SmtpSink

    event = webinar.event
    with SmtpSink() as sink:
        worker_env = {**env, "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                      "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}
        worker = start_worker(worker_env, concurrency)
        try:
            t0 = time.perf_counter()
            with transaction.atomic():
                invited = services.invite_all_eligible(event=event, by=staff)
                rows_seconds = time.perf_counter() - t0
            publish_seconds = time.perf_counter() - t0 - rows_seconds
            rows = OutboxMessage.objects.filter(template="event_invitation")
            started = time.perf_counter()
            while rows.filter(status=OutboxStatus.SENT).count() < invited or sink.handler.total < invited:
                time.sleep(0.1)
                if time.perf_counter() - started > 900:
                    break
            delivery_seconds = time.perf_counter() - started
            sent = rows.filter(status=OutboxStatus.SENT).count()
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        received = sink.handler.received
        doubles = sum(1 for count in received.values() if count > 1)
        distinct = len(received)
    print(f"invite all eligible: {invited} of {webinar.eligible} eligible invited, rows written in "
          f"{rows_seconds:.2f} s, tasks published in {publish_seconds:.2f} s; delivered {distinct} "
          f"({sent} rows sent) in {delivery_seconds:.1f} s = {distinct / delivery_seconds:.0f} msg/s; "
          f"{doubles} doubled", flush=True)
    return [
        Measure.check(f"invite all eligible: invitations ({webinar.eligible} eligible)", invited, "rows",
                      above=webinar.eligible),
        Measure.check("invite all eligible: invitations and emails written", rows_seconds, "s", below=5),
        Measure.check("invite all eligible: tasks published after the commit", publish_seconds, "s"),
        Measure.check("invite all eligible: emails delivered (distinct, at the SMTP sink)", distinct, "emails",
                      above=invited),
        Measure.check("invite all eligible: delivery rate (Celery, 2 processes)", distinct / delivery_seconds,
                      "msg/s"),
        Measure.check("invite all eligible: emails delivered twice", doubles, "emails", below=1),
    ]


def rsvp_yes(event, member):
    """The bench member answers yes (the event page then shows the join link); returns the token of
    the RSVP links of their email."""
    from events import services
    from events.models import Invitation

    invitation = Invitation.objects.get(event=event, member=member)
    services.invitation_respond(invitation=invitation, member=member, answer="yes")
    return services.rsvp_token(invitation)


RSVP_SCRIPT = """
wrk.method = "POST"
wrk.body = "answer=yes"
"""


def rsvp_post_measures(token, member_cookie, duration, connections):
    """The RSVP POST of the confirmation page an email's link opens (the answer yes again: the member
    changes nothing, the service locks the row and checks the gate; the answer is a redirect to the
    event page), next to the baseline."""
    import tempfile

    path = f"/events/rsvp/{token}/"
    status, _ms = fetch(path, member_cookie)
    if status != 200:
        raise SystemExit(f"RSVP confirmation page: {path} answered {status}, not 200: the bench setup is wrong")
    csrf = secrets.token_hex(16)
    headers = [f"Cookie: {member_cookie}; csrftoken={csrf}", f"X-CSRFToken: {csrf}",
               "Content-Type: application/x-www-form-urlencoded"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(RSVP_SCRIPT)
    try:
        baseline = wrk(BASELINE, member_cookie, duration, connections)
        result = parse_wrk(wrk_raw(path, headers, duration, connections, script=script.name))
    finally:
        os.unlink(script.name)
    drain()
    print(f"RSVP (POST): {result['rps']:.0f} req/s, p99 {result['p99']:.0f} ms (baseline "
          f"{baseline['rps']:.0f} req/s)", flush=True)
    return {"errors": baseline["errors"] + result["errors"], "measures": [
        Measure.check("RSVP (POST): throughput", result["rps"], "req/s"),
        Measure.check("RSVP (POST): x in-stack bare view", result["rps"] / baseline["rps"], "x", above=0.5),
        Measure.check("RSVP (POST): p99", result["p99"], "ms", below=100),
    ]}


SAVE_SCRIPT = """
-- POST one answer (a short text) with the version the last answer showed, as the page's htmx does.
local question, path = %(question)d, "%(path)s"
-- globals, not locals: done() reads them from each thread with thread:get()
version, counter, saved, conflicts = 1, 0, 0, 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
request = function()
  counter = counter + 1
  local body = "q" .. question .. "=bench+" .. counter .. "&v" .. question .. "=" .. version
  return wrk.format("POST", path, nil, body)
end
response = function(status, headers, body)
  local v = body:match('name="v' .. question .. '" value="(%%d+)"')
  if v then version = v end
  if body:find("data-answer-saved", 1, true) then saved = saved + 1 else conflicts = conflicts + 1 end
end
done = function(summary, latency, requests)
  local s, c = 0, 0
  for _, thread in ipairs(threads) do s = s + thread:get("saved"); c = c + thread:get("conflicts") end
  io.write(string.format("SAVES %%d CONFLICTS %%d\\n", s, c))
end
"""


def answer_save_measures(survey_data, member_cookie, duration, connections):
    """The answer save (htmx POST) under load, next to the baseline. Each wrk thread sends the version
    of the last answer it read, so with 16 connections some saves are based on a version a colleague
    (another connection) already replaced: those are refused as conflicts, as they would be for people,
    and the split is reported."""
    import tempfile

    question = survey_data.save_question
    path = f"/portrait/{survey_data.survey.pk}/answer/{question.pk}/"
    csrf = secrets.token_hex(16)  # a 32-character secret: Django accepts it unmasked in the header
    headers = [f"Cookie: {member_cookie}; csrftoken={csrf}", f"X-CSRFToken: {csrf}", "HX-Request: true",
               "Content-Type: application/x-www-form-urlencoded"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SAVE_SCRIPT % {"question": question.pk, "path": path})
    try:
        baseline = wrk(BASELINE, member_cookie, duration, connections)
        out = wrk_raw(path, headers, duration, connections, script=script.name)
    finally:
        os.unlink(script.name)
    drain()
    result = parse_wrk(out)
    split = re.search(r"SAVES (\d+) CONFLICTS (\d+)", out)
    saves, conflicts = (int(split.group(1)), int(split.group(2))) if split else (0, 0)
    print(f"answer save (POST): {result['rps']:.0f} req/s, p99 {result['p99']:.0f} ms (baseline "
          f"{baseline['rps']:.0f} req/s); {saves} saved, {conflicts} refused as conflicts", flush=True)
    return {"errors": baseline["errors"] + result["errors"], "measures": [
        Measure.check("answer save (POST): throughput", result["rps"], "req/s"),
        Measure.check("answer save (POST): x in-stack bare view", result["rps"] / baseline["rps"], "x", above=0.5),
        Measure.check("answer save (POST): p99", result["p99"], "ms", below=100),
        Measure.check("answer save (POST): share refused as conflicts", conflicts / max(saves + conflicts, 1), "ratio"),
    ]}


def export_measures(cookie, staff, rows):
    """The member export through the admin, as staff use it: wall time over HTTP (gunicorn), and the
    peak memory of the same view in this process (tracemalloc: what the export allocates)."""
    from django.test import Client

    from community import second_factor

    measures = []
    for fmt in ("csv", "xlsx"):
        path = f"/admin/community/member/export/?format={fmt}"
        t0 = time.perf_counter()
        status, size = download(path, cookie)
        seconds = time.perf_counter() - t0
        if status != 200:
            print(f"export {fmt}: answered {status}", flush=True)
            measures.append(Measure(f"member export {fmt.upper()}: answered", status, "HTTP status", "200", False))
            continue
        client = Client(HTTP_HOST=HOST)
        client.force_login(staff)
        # force_login skips allauth's login: record the passed second factor, as dataset.session_for does,
        # or the admin sends this client to the code page (302) and the export is never measured.
        session = client.session
        session.update(second_factor.session_passed_second_factor_data(staff))
        session.save()
        tracemalloc.start()
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"export {fmt} in-process: answered {response.status_code}")
        streamed = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(
            response.content)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"export {fmt}: {rows} rows, {size / 2**20:.1f} MB over HTTP in {seconds:.1f} s; "
              f"in-process {streamed / 2**20:.1f} MB, peak {peak:.0f} MB", flush=True)
        measures.append(Measure.check(f"member export {fmt.upper()}: wall time ({rows} rows)", seconds, "s"))
        measures.append(Measure.check(f"member export {fmt.upper()}: peak memory", peak, "MB", below=200))
        measures.append(Measure.check(f"member export {fmt.upper()}: streamed", float(response.streaming), "bool",
                                      above=1))
    return measures


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing Debian's package", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)


def psql(sql, check=True):
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=check)


def wait_up():
    for _ in range(100):
        try:
            if fetch("/healthz", "")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def drain():
    """Wait until the requests that wrk left queued (slow pages) are served, so that they do not
    count against the next run."""
    for _ in range(600):
        if fetch("/bench/bare/", "")[1] < 50:
            return
        time.sleep(0.1)


def fetch(path, cookie):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, (time.perf_counter() - t0) * 1000


def download(path, cookie):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=300)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    conn.close()
    return response.status, size


UNITS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}


def wrk(path, cookie, duration, connections):
    return parse_wrk(wrk_raw(path, [f"Cookie: {cookie}"] if cookie else [], duration, connections))


def wrk_raw(path, headers, duration, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    return subprocess.run([*command, f"http://{HOST}:{PORT}{path}"], capture_output=True, text=True,
                          check=True).stdout


def parse_wrk(out):
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = (sum(int(n) for n in socket.groups()) if socket else 0) + (int(non2xx.group(1)) if non2xx else 0)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p99": float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("inf"),
        "errors": errors,
    }


if __name__ == "__main__":
    main()
