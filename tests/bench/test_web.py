"""The web benchmark's parts that must not rot (bench/dataset.py, bench/results.py), and its bare
views, which only the bench settings route (never production). Nothing here is timed."""

import json
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from bench import dataset
from bench.results import Measure, table, write
from community.models import Member, MembershipInvitation, MemberStatus, Organisation, OrganisationStatus

from ..portal.test_deploy import ROOT, SAMPLE_PRODUCTION_ENV, settings_variables

pytestmark = pytest.mark.django_db


def test_dataset_builder_on_a_tiny_size(client):
    data = dataset.build(organisations=5, members=40)
    assert (data.organisations, data.members) == (5, 40)
    assert Organisation.objects.count() == 5
    assert Member.objects.count() == 40
    assert set(Member.objects.values_list("status", flat=True)) == set(MemberStatus.values)
    assert Organisation.objects.filter(status=OrganisationStatus.PROPOSED).exists()
    assert not Member.objects.exclude(organisation__status=OrganisationStatus.MEMBER).exists()
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 40 + 1  # and the staff user
    assert Member.objects.dates("joined_at", "month").count() > 1  # spread over time
    assert MembershipInvitation.objects.filter(accepted_at__isnull=False, member__isnull=False).count() == 10
    assert MembershipInvitation.objects.filter(accepted_at__isnull=True).exists()
    assert data.member.status == MemberStatus.APPROVED
    # The sessions it makes sign the member and the staff user in, as wrk will send them.
    client.cookies["sessionid"] = dataset.session_for(data.member.user)
    assert client.get(reverse("community:dashboard")).status_code == 200
    client.cookies["sessionid"] = dataset.session_for(data.staff)
    assert client.get(reverse("admin:community_member_changelist")).status_code == 200
    assert client.get(reverse("admin:community_member_export"), {"format": "csv"}).status_code == 200


def test_results_are_written_as_json_and_printed_as_a_table(tmp_path):
    measures = [
        Measure.check("admin member list: one request (median)", 42.123, "ms", below=150),
        Measure.check("home: x in-stack bare view", 0.31, "x", above=0.5),
        Measure.check("bare template: throughput", 800, "req/s"),
    ]
    path = tmp_path / "results.json"
    write(measures, path, members=20000)
    data = json.loads(path.read_text())
    assert data["members"] == 20000
    assert data["measures"][0] == {"name": "admin member list: one request (median)", "value": 42.12, "unit": "ms",
                                   "target": "< 150", "met": True}
    assert data["measures"][1]["met"] is False and data["measures"][1]["target"] == ">= 0.5"
    assert data["measures"][2]["met"] is None
    lines = table(measures).splitlines()
    assert lines[0].split() == ["measure", "value", "unit", "target", "met"]
    assert "NO" in lines[3].split() and "yes" in lines[2].split()


def test_bench_output_of_wrk_is_parsed():
    from bench.web import parse_wrk

    out = """Running 10s test @ http://127.0.0.1:8765/
  Latency Distribution
     50%   12.50ms
     99%    1.20s
  1234 requests in 10.00s, 5.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:    123.40
"""
    assert parse_wrk(out) == {"rps": 123.4, "p99": 1200.0, "errors": 6}


@pytest.mark.parametrize("path", ["/bench/in-stack/", "/bench/bare/"])
def test_bench_views_are_not_routed_by_the_portal(client, path):
    with pytest.raises(Resolver404):
        resolve(path)
    assert client.get(path).status_code == 404


def test_bench_views_are_not_routed_under_production_settings():
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "import config.wsgi\n"
        "assert settings.ROOT_URLCONF == 'config.urls', settings.ROOT_URLCONF\n"
        "assert type(config.wsgi.application.application).__name__ == 'WSGIHandler'\n"
        "for path in ('/bench/in-stack/', '/bench/bare/'):\n"
        "    try:\n        resolve(path)\n    except Resolver404:\n        continue\n"
        "    raise SystemExit(path + ' is routed')\n"
        "print('not routed')\n"
    )
    inherited = settings_variables() | set(SAMPLE_PRODUCTION_ENV)
    env = {k: v for k, v in __import__("os").environ.items() if k not in inherited}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, **SAMPLE_PRODUCTION_ENV},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "not routed" in result.stdout, result.stderr


@override_settings(ROOT_URLCONF="config.urls_bench")
def test_bench_settings_route_the_in_stack_view_for_people_signed_in(client, member):
    assert client.get("/bench/in-stack/").status_code == 302  # to the login page
    client.force_login(member.user)
    assert client.get("/bench/in-stack/").status_code == 200
    assert client.get("/dashboard/").status_code == 200  # and the portal's pages


def test_bench_wsgi_answers_the_bare_page_without_django_handler():
    from config.wsgi_bench import application

    seen = {}
    body = b"".join(application({"PATH_INFO": "/bench/bare/", "REQUEST_METHOD": "GET"},
                                lambda status, headers: seen.update(status=status)))
    assert seen["status"] == "200 OK" and b"<main>" in body


def test_survey_dataset_on_a_tiny_size(client):
    from surveys import peers
    from surveys.models import Answer, Portrait, PortraitStatus, Question

    data = dataset.build(organisations=12, members=40)
    survey_data = dataset.build_survey(member=data.member, portraits=8)
    survey = survey_data.survey
    assert Question.objects.filter(section__survey=survey).count() == 25
    assert Question.objects.filter(section__survey=survey, peer_matching=True).count() == 3
    assert survey_data.portraits == Portrait.objects.filter(survey=survey).count() == 8
    assert Answer.objects.filter(portrait__survey=survey).count() == 8 * 25
    own = Portrait.objects.get(survey=survey, organisation=data.member.organisation)
    assert own.status == PortraitStatus.SUBMITTED and own.show_to_peers
    assert peers.peer_table(survey)  # the portraits share choices
    client.cookies["sessionid"] = dataset.session_for(data.member.user)
    for name in ("surveys:section", "surveys:peers"):
        args = [survey.pk, survey_data.section.pk] if name == "surveys:section" else [survey.pk]
        assert client.get(reverse(name, args=args)).status_code == 200
    question = survey_data.save_question
    response = client.post(reverse("surveys:answer", args=[survey.pk, question.pk]),
                           {f"q{question.pk}": "changed", f"v{question.pk}": "1"}, HTTP_HX_REQUEST="true")
    assert "data-answer-saved" in response.content.decode()


def test_webinar_dataset_and_its_targets_are_wired(client, django_capture_on_commit_callbacks):
    """Issue 10: the webinar with exactly the eligible members asked for, "invite all eligible" on it,
    the bench member's yes, and the pages the bench loads (every member and staff target answers 200)."""
    from bench import web
    from events import services
    from events.models import Invitation
    from mailings.models import OutboxMessage

    data = dataset.build(organisations=12, members=60)
    survey_data = dataset.build_survey(member=data.member, portraits=3)
    webinar = dataset.build_webinar(member=data.member, survey=survey_data.survey, eligible=30)
    event = webinar.event
    assert webinar.eligible == 30 and webinar.extra_portraits > 0  # 3 portraits reach too few members
    assert services.eligible_members(event).count() == 30
    assert services.member_is_eligible(data.member, event)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite_all_eligible(event=event, by=data.staff) == 30
    assert OutboxMessage.objects.filter(template="event_invitation").count() == 30
    token = web.rsvp_yes(event, data.member)
    assert Invitation.objects.get(event=event, member=data.member).rsvp == "yes"

    staff_cookie, member_cookie = dataset.session_for(data.staff), dataset.session_for(data.member.user)
    targets = web.web_targets(data, survey_data, event, staff_cookie=f"sessionid={staff_cookie}",
                              member_cookie=f"sessionid={member_cookie}")
    assert targets["event page (invited, answered yes)"][0] == reverse("events:event", args=[event.pk])
    for name, (path, cookie, kind) in targets.items():
        if kind == "limit":
            continue  # the bare views: only the bench settings route them (tested above)
        client.cookies["sessionid"] = cookie.removeprefix("sessionid=")
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
    client.cookies["sessionid"] = member_cookie
    assert "meet.bench.example" in client.get(reverse("events:event", args=[event.pk])).content.decode()
    # The RSVP POST as wrk sends it (the answer again): a redirect to the event page, nothing else changes.
    response = client.post(reverse("events:rsvp", args=[token]), {"answer": "yes"})
    assert response.status_code == 302 and response.url == reverse("events:event", args=[event.pk])


def test_bench_names_are_options():
    from bench import web

    with pytest.raises(SystemExit):
        web.configure("portal; DROP DATABASE x", "redis://127.0.0.1:6379/12", 8812)
    web.configure("portal_bench_att", "redis://127.0.0.1:6379/12", 8812)
    try:
        assert (web.DATABASE, web.REDIS, web.PORT) == ("portal_bench_att", "redis://127.0.0.1:6379/12", 8812)
    finally:
        web.configure("portal_bench", "redis://127.0.0.1:6379/9", 8765)
