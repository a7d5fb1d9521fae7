"""Staff results (issue 9, item 7): response rates, the organisations that have not submitted and
their reminder, the numbers of each chart, the permission matrix and query counts at two sizes."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from community.models import AuditEntry, Region
from community.staff import staff_pages, todo_registry
from mailings.models import MailPreference, OutboxMessage, OutboxStatus
from surveys import results, staff_services
from surveys.models import Portrait, Respondent

from ..factories import MemberFactory, OrganisationFactory
from .results_helpers import make_example, many_portraits, staff_with

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------ response rates
def test_response_rate_overall_and_by_region_on_a_hand_made_example(survey):
    make_example(survey)
    overall, regions = results.response_rates(survey)
    assert (overall.expected, overall.submitted, overall.drafts) == (4, 2, 1)
    assert overall.percent == 50.0
    by_key = {rate.key: rate for rate in regions}
    assert set(by_key) == {Region.EUROPE, Region.AFRICA}  # Seoul (pending member only) and proposed: not expected
    assert (by_key[Region.EUROPE].expected, by_key[Region.EUROPE].submitted, by_key[Region.EUROPE].drafts) == (3, 2, 1)
    assert by_key[Region.EUROPE].percent == 66.7
    assert (by_key[Region.AFRICA].expected, by_key[Region.AFRICA].submitted, by_key[Region.AFRICA].percent) == (1, 0, 0)


def test_results_page_shows_rates_and_a_table_per_question(client, survey):
    make_example(survey)
    client.force_login(staff_with("view_portrait"))
    response = client.get(reverse("surveys:staff_survey_results", args=[survey.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-response-rate="50.0"' in html
    assert f'id="chart-data-{survey.q["single"].pk}" type="application/json"' in html  # json_script, not run
    assert "66.7 %" in html and "Borda points" in html
    assert "<script>" not in html  # nothing inline under the CSP


# ------------------------------------------------------------------------------ not submitted
def test_not_submitted_lists_expected_organisations_without_a_submitted_portrait(survey):
    example = make_example(survey)
    listed = results.not_submitted_page(survey, results.organisations_not_submitted(survey))
    assert [o.name for o in listed] == ["Dakar", "Porto"]
    dakar, porto = listed
    assert dakar.portrait_id is None and dakar.answered is None
    assert porto.portrait_id is not None and porto.answered == 4
    assert [m.pk for m in porto.approved_members] == [example["porto"].pk]
    assert porto.approved_members[0].last_saved_at is not None
    assert dakar.approved_members[0].last_saved_at is None
    assert [o.name for o in results.organisations_not_submitted(survey, region=Region.AFRICA)] == ["Dakar"]


def test_not_submitted_page_and_the_todo_item_agree(client, survey):
    example = make_example(survey)
    client.force_login(staff_with("view_portrait"))
    response = client.get(reverse("surveys:staff_not_submitted", args=[survey.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-not-submitted-count="2"' in html
    assert "Dakar" in html and "Porto" in html and "Madrid" not in html and "Seoul" not in html
    assert example["porto"].user.email in html
    assert 'name="organisation"' not in html  # without change_portrait: no reminder
    item = next(item for item in todo_registry if item.key == "portraits-not-submitted")
    assert item.count() == 2
    assert client.get(item.url).url == reverse("surveys:staff_not_submitted", args=[survey.pk])


def test_staff_page_and_todo_item_are_registered():
    page = next(page for page in staff_pages if page.key == "survey-results")
    assert page.permission == "surveys.view_portrait" and "surveys.portrait" in page.changelists
    assert any(item.key == "portraits-not-submitted" for item in todo_registry)


# ------------------------------------------------------------------------------ reminders
def test_remind_queues_one_email_per_member_once_a_day_and_honours_preferences(
        client, survey, django_capture_on_commit_callbacks):
    example = make_example(survey)
    porto, dakar = example["porto"], example["dakar"]
    colleague = MemberFactory(organisation=dakar.organisation, preferred_language="fr")
    MailPreference.objects.create(email=colleague.user.email, reminders=False)
    staff = staff_with("view_portrait", "change_portrait")
    client.force_login(staff)
    url = reverse("surveys:staff_not_submitted", args=[survey.pk])
    ids = [str(porto.organisation_id), str(dakar.organisation_id), str(example["madrid"].organisation_id)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"organisation": ids, "remind": "1"})
    assert response.status_code == 302
    rows = OutboxMessage.objects.filter(template="portrait_staff_reminder")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(
        [porto.user.email, dakar.user.email, colleague.user.email])  # Madrid submitted: skipped
    assert rows.get(recipient=colleague.user.email).status == OutboxStatus.CANCELLED  # turned reminders off
    assert rows.get(recipient=colleague.user.email).language == "fr"
    assert not rows.get(recipient=dakar.user.email).essential
    assert AuditEntry.objects.filter(action="portrait.reminder_sent").count() == 2

    with django_capture_on_commit_callbacks(execute=True):  # the double click
        response = client.post(url, {"organisation": ids, "remind": "1"}, follow=True)
    assert rows.count() == 3
    assert AuditEntry.objects.filter(action="portrait.reminder_sent").count() == 2
    assert "Already reminded today" in response.content.decode()

    tomorrow = timezone.now() + timezone.timedelta(days=1)
    outcome = staff_services.portraits_remind(survey=survey, organisation_ids=[dakar.organisation_id], by=staff,
                                              now=tomorrow)
    assert [o.pk for o in outcome.reminded] == [dakar.organisation_id] and outcome.emails == 2


def test_remind_all_listed_and_bad_input(client, survey):
    example = make_example(survey)
    client.force_login(staff_with("view_portrait", "change_portrait"))
    url = reverse("surveys:staff_not_submitted", args=[survey.pk])
    response = client.post(url, {"organisation": ["x", "-1", "9" * 40], "remind": "1"}, follow=True)
    assert response.status_code == 200 and "Tick at least one organisation" in response.content.decode()
    assert not OutboxMessage.objects.filter(template="portrait_staff_reminder").exists()
    # The staff walk of 2026-11-29: "every one listed" under a region that is none reminded every region.
    response = client.post(url, {"all": "1", "region": "zzz"}, follow=True)
    assert "the region is not one of the list" in response.content.decode()
    assert not OutboxMessage.objects.filter(template="portrait_staff_reminder").exists()
    client.post(url, {"all": "1", "region": Region.AFRICA})
    rows = OutboxMessage.objects.filter(template="portrait_staff_reminder")
    assert list(rows.values_list("recipient", flat=True)) == [example["dakar"].user.email]


def test_remind_needs_the_change_permission(client, survey):
    example = make_example(survey)
    client.force_login(staff_with("view_portrait"))
    response = client.post(reverse("surveys:staff_not_submitted", args=[survey.pk]),
                           {"organisation": [str(example["dakar"].organisation_id)]})
    assert response.status_code == 403
    assert not OutboxMessage.objects.filter(template="portrait_staff_reminder").exists()


# ------------------------------------------------------------------------------ chart numbers
def by_question(survey, **scope):
    return {r.question.pk: r for r in results.question_results(survey, results.portraits_in_scope(survey, **scope))}


def test_choice_counts_with_other(survey):
    make_example(survey)
    q = survey.q
    numbers = by_question(survey)
    single = numbers[q["single"].pk]
    assert single.answered == 2 and single.chart["type"] == "bar"
    assert single.chart["labels"] == ["Yes", "No"] and single.chart["values"] == [1, 1]
    multiple = numbers[q["multiple"].pk]
    assert multiple.chart["labels"] == ["Heat waves", "Floods", "Other"] and multiple.chart["values"] == [2, 1, 1]
    assert multiple.rows[0] == ["Heat waves", 2, "100 %"]
    with_drafts = by_question(survey, include_drafts=True)
    assert with_drafts[q["single"].pk].chart["values"] == [2, 1]  # Porto's draft said yes


def test_histograms_for_scale_and_number(survey):
    make_example(survey)
    q = survey.q
    numbers = by_question(survey, include_drafts=True)
    scale = numbers[q["scale"].pk]
    assert scale.chart["type"] == "histogram"
    assert scale.chart["labels"] == ["1 (Not at all)", "2", "3", "4", "5 (Very)"]
    assert scale.chart["values"] == [0, 1, 0, 2, 0]
    number = numbers[q["number"].pk]
    assert sum(number.chart["values"]) == 3 and len(number.chart["values"]) == 10
    assert number.chart["values"][0] == 2 and number.chart["values"][-1] == 1  # 12.5 and 30; 999
    assert number.columns[0] == "Value (m²)"


def test_histogram_bins_by_hand():
    assert results.histogram([Decimal(v) for v in ("1", "3", "3", "4")]) == [("1", 1), ("2", 0), ("3", 2), ("4", 1)]
    bins = results.histogram([Decimal(v) for v in ("0", "5", "100")], max_bins=4)
    assert bins == [("0–25", 2), ("26–51", 0), ("52–77", 0), ("78–100", 1)]  # whole numbers, 100 included
    decimals = results.histogram([Decimal(v) for v in ("0", "5.5", "100")], max_bins=4)
    assert decimals == [("0–25", 2), ("25–50", 0), ("50–75", 0), ("75–100", 1)]  # the last bin includes 100
    assert results.histogram([]) == []
    # Whole numbers over a wider span (the walk of 2026-11-29: years binned as "2012.4–2014.8"): bins
    # of whole numbers, the last one ending at the largest value.
    years = [Decimal(v) for v in ("2005", "2012", "2013", "2014", "2020", "2026")]
    assert results.histogram(years) == [
        ("2005–2007", 1), ("2008–2010", 0), ("2011–2013", 2), ("2014–2016", 1), ("2017–2019", 0),
        ("2020–2022", 1), ("2023–2025", 0), ("2026", 1)]
    from django.utils import translation

    with translation.override("fr"):  # a decimal point is a comma in French
        assert results.histogram([Decimal("0.5"), Decimal("3")], max_bins=2) == [("0,5–1,75", 1), ("1,75–3", 1)]


def test_ranking_by_weighted_borda_score(survey):
    make_example(survey)
    q = survey.q
    topics = q["topics"]
    # rank_limit 2: first place 2 points, second 1. Madrid: T1, T3. Lyon: T3, T1. Porto (draft): T2.
    ranking = by_question(survey)[q["ranking"].pk]
    # Topics 1 and 3 tie on points and on firsts: the builder's order decides.
    assert ranking.rows == [["Topic 1", 3, 1, 2], ["Topic 3", 3, 1, 2], ["Topic 2", 0, 0, 0], ["Topic 4", 0, 0, 0]]
    assert ranking.chart == {"type": "bar", "horizontal": True, "labels": ["Topic 1", "Topic 3", "Topic 2", "Topic 4"],
                             "values": [3, 3, 0, 0], "label": "Borda points"}
    drafts = by_question(survey, include_drafts=True)[q["ranking"].pk]
    assert drafts.rows[2] == ["Topic 2", 2, 1, 1]
    scored = results.borda_scores(topics, {(topics[3].pk, 1): 1, (topics[0].pk, 2): 3}, None)
    assert [(item["choice"].pk, item["points"]) for item in scored][:2] == [(topics[0].pk, 9), (topics[3].pk, 4)]


# ------------------------------------------------------------------------------ permissions
def page_urls(survey):
    return [reverse("surveys:staff_results"), reverse("surveys:staff_survey_results", args=[survey.pk]),
            reverse("surveys:staff_not_submitted", args=[survey.pk]),
            reverse("surveys:staff_export", args=[survey.pk]) + "?format=csv"]


@pytest.mark.parametrize("who, expected", [
    ("anonymous", 302), ("member", 403), ("staff_without_permission", 403), ("staff", 200), ("secretariat", 200),
])
def test_permission_matrix(client, survey, member, who, expected):
    if who == "member":
        client.force_login(member.user)
    elif who == "staff_without_permission":
        client.force_login(staff_with("view_survey"))
    elif who == "staff":
        client.force_login(staff_with("view_portrait"))
    elif who == "secretariat":
        user = staff_with()
        user.groups.add(Group.objects.get(name="Secretariat"))
        client.force_login(user)
    for url in page_urls(survey):
        response = client.get(url)
        status = 200 if response.status_code == 302 and who in ("staff", "secretariat") else response.status_code
        assert status == expected, url
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]


@pytest.mark.real_second_factor
def test_results_pages_ask_staff_for_the_second_factor(client, survey):
    """/staff/surveys/ is under the guarded /staff/ prefix: a staff session that did not pass the
    second factor is asked for the code, not shown the results."""
    client.force_login(staff_with("view_portrait"))  # signed in, but no code in this session
    for url in page_urls(survey):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/"), url


# ------------------------------------------------------------------------------ query counts
@pytest.mark.parametrize("size", [10, 150])  # 150: past the not-submitted list's page of 100
def test_results_and_not_submitted_pages_cost_the_same_queries_at_10_and_150_portraits(
        client, survey, size, django_assert_max_num_queries):
    many_portraits(survey, size)
    for organisation in OrganisationFactory.create_batch(size):  # as many not submitted, half with a draft
        member = MemberFactory(organisation=organisation)
        if organisation.pk % 2:
            portrait = Portrait.objects.create(survey=survey, organisation=organisation)
            Respondent.objects.create(portrait=portrait, member=member, first_saved_at=timezone.now(),
                                      last_saved_at=timezone.now())
    client.force_login(staff_with("view_portrait", "change_portrait"))
    # The same at both sizes (measured: 17 and 12, sessions and permissions included).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("surveys:staff_survey_results", args=[survey.pk]))
    assert response.status_code == 200
    assert 'data-response-rate="50.0"' in response.content.decode()
    with django_assert_max_num_queries(12):
        response = client.get(reverse("surveys:staff_not_submitted", args=[survey.pk]))
    assert response.status_code == 200
    assert f'data-not-submitted-count="{size}"' in response.content.decode()
