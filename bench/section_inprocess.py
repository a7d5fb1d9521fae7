"""The portrait's section page and answer save timed in-process on a kept bench database, next to the
in-stack bare view (run by hand, not a test). Needs a database kept by `bench/web.py --setup-only`:

    .venv/bin/python bench/web.py --setup-only --database portal_bench_sec --redis redis://127.0.0.1:6379/12
    .venv/bin/python bench/section_inprocess.py --database portal_bench_sec --redis redis://127.0.0.1:6379/12

The save posts a new short text each time with the version the previous answer showed (a real save,
never a conflict), as htmx does. Prints medians (wall and this process's CPU: on a shared machine the
CPU ratio is the steadier one), ratios to the bare view, queries and sizes;
``--profile N`` prints the N costliest functions of each (cProfile, cumulative).
"""

import argparse
import os
import re
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
    parser.add_argument("--requests", type=int, default=30, help="timed requests of each")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cProfile)")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    args = parser.parse_args()
    inprocess.setup(args)
    from django.db import connection

    from bench import dataset
    from community.models import Member, User
    from surveys.models import Answer, Portrait, Question, QuestionKind, Section

    member = inprocess.signed_in_client(dataset.MEMBER_EMAIL)
    user = User.objects.get(email=dataset.MEMBER_EMAIL)
    organisation_id = Member.objects.get(user=user).organisation_id
    portrait = Portrait.objects.filter(organisation_id=organisation_id).order_by("-survey_id").first()
    survey_id = portrait.survey_id
    section = Section.objects.filter(survey_id=survey_id).order_by("order").first()
    question = Question.objects.filter(section=section, kind=QuestionKind.SHORT_TEXT).order_by("order").first()
    page_path = f"/portrait/{survey_id}/section/{section.pk}/"
    save_path = f"/portrait/{survey_id}/answer/{question.pk}/"
    answer = Answer.objects.filter(portrait=portrait, question=question).first()
    state = {"version": answer.version if answer else 0, "n": 0}

    def get(url):
        started, cpu = time.perf_counter(), time.process_time()
        response = member.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - started) * 1000, response, (time.process_time() - cpu) * 1000

    def save():
        state["n"] += 1
        data = {f"q{question.pk}": f"bench {state['n']}", f"v{question.pk}": str(state["version"])}
        started, cpu = time.perf_counter(), time.process_time()
        response = member.post(save_path, data, HTTP_HX_REQUEST="true")
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        body = response.content.decode()
        assert response.status_code == 200 and "data-answer-saved" in body, body[-600:]
        state["version"] = int(re.search(rf'name="v{question.pk}" value="(\d+)"', body).group(1))
        return elapsed, response, cpu

    timed = {"section page": lambda: get(page_path), "answer save": save, "bare": lambda: get("/bench/in-stack/")}
    for _ in range(3):
        for fn in timed.values():
            fn()
    found = {}
    for name, fn in timed.items():
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *rest, q=queries: q.append(sql) or execute(sql, *rest)):
            response = fn()[1]
        found[name] = (queries, len(response.content))
    times = {name: [] for name in timed}
    cpus = {name: [] for name in timed}
    for _ in range(args.requests):
        for name, fn in timed.items():
            elapsed, _response, cpu = fn()
            times[name].append(elapsed)
            cpus[name].append(cpu)
    bare, bare_cpu = statistics.median(times["bare"]), statistics.median(cpus["bare"])
    for name in ("section page", "answer save"):
        median, cpu = statistics.median(times[name]), statistics.median(cpus[name])
        queries, size = found[name]
        print(f"{name}: {median:.1f} ms, {bare / median:.2f}x the in-stack bare view ({bare:.1f} ms); CPU "
              f"{cpu:.1f} ms, {bare_cpu / cpu:.2f}x ({bare_cpu:.1f} ms); {len(queries)} queries, {size:,} bytes")
        if os.environ.get("BENCH_QUERIES"):
            print("\n".join("   " + sql[:160] for sql in queries))
    if args.profile:
        import cProfile
        import pstats

        for name in ("section page", "answer save"):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                timed[name]()
            profiler.disable()
            print(f"--- {name}")
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)


if __name__ == "__main__":
    main()
