"""Issue 11 item 4, the pages: "My reviews", the review of one application, "Assign reviewers";
who may open them (member, reviewer, secretariat staff, non-staff) and what a reviewer sees."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from events import reviews
from events.models import Application, Decision, Review, Score

from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import make_application, make_criteria, make_reviewer

pytestmark = pytest.mark.django_db

MY_REVIEWS = reverse("events:my_reviews")
ASSIGN = reverse("events:reviews_assign")


@pytest.fixture
def setup(days, staff):
    """Two applications, three criteria (3, 2, 1), the reviewer assigned to the first, another
    reviewer to both (with a scored review and a secret comment on the first)."""
    first, second = make_application(days), make_application(days)
    criteria = make_criteria(days, 3, 2, 1)
    reviewer, other = make_reviewer(email="reviewer@jury.example"), make_reviewer(email="other@jury.example")
    Review.objects.create(application=first, reviewer=reviewer)
    for application in (first, second):
        Review.objects.create(application=application, reviewer=other)
    reviews.review_save(review=Review.objects.get(application=first, reviewer=other),
                        scores={c.pk: 2 for c in criteria}, comment="SECRET-COMMENT-OF-ANOTHER", by=other)
    return {"first": first, "second": second, "criteria": criteria, "reviewer": reviewer, "other": other}


def post_scores(client, application, criteria, values, comment=""):
    data = {f"criterion_{c.pk}": v for c, v in zip(criteria, values, strict=True)}
    return client.post(reverse("events:review", args=[application.pk]), {**data, "comment": comment})


# ------------------------------------------------------------------------------ the permission matrix
def user_for(kind, setup, staff):
    if kind == "member":
        return MemberFactory().user
    if kind == "non_staff_in_reviewers_group":
        return make_reviewer(is_staff=False)
    if kind == "reviewer":
        return setup["reviewer"]
    if kind == "secretariat":
        return staff
    return None


@pytest.mark.parametrize(("kind", "my_reviews", "review", "assign"), [
    ("anonymous", 302, 302, 302),
    ("member", 403, 403, 403),
    ("non_staff_in_reviewers_group", 403, 403, 403),
    ("reviewer", 200, 200, 403),
    ("secretariat", 403, 403, 200),
])
def test_permission_matrix(client, setup, staff, kind, my_reviews, review, assign):
    user = user_for(kind, setup, staff)
    if user is not None:
        client.force_login(user)
    review_url = reverse("events:review", args=[setup["first"].pk])
    got = [client.get(url).status_code for url in (MY_REVIEWS, review_url, ASSIGN)]
    assert got == [my_reviews, review, assign]
    # posting is held to the same rule, and only the reviewer's own post saves anything
    posted = post_scores(client, setup["first"], setup["criteria"], [5, 5, 5]).status_code
    assert posted == (302 if kind == "reviewer" else review)
    assert client.post(ASSIGN, {"event": setup["first"].event_id, "reviewers": [setup["reviewer"].pk],
                                "per_application": 2}).status_code == (302 if kind == "secretariat" else assign)
    expected_scores = 6 if kind == "reviewer" else 3  # the other reviewer's 3, plus the reviewer's own 3
    assert Score.objects.count() == expected_scores
    if kind == "anonymous":
        assert client.get(MY_REVIEWS)["Location"].startswith(reverse("account_login"))


def test_a_reviewer_without_second_factor_is_sent_to_set_it_up(client, days):
    client.force_login(make_reviewer(second_factor=False))
    response = client.get(MY_REVIEWS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("community:second_factor_setup"))


# ------------------------------------------------------------------------------ what a reviewer sees
def test_my_reviews_lists_only_the_reviewers_own_assignments(client, setup):
    client.force_login(setup["reviewer"])
    response = client.get(MY_REVIEWS)
    assert [review.application_id for review, _state in response.context["rows"]] == [setup["first"].pk]
    assert response.context["to_do"] == 1
    html = response.content.decode()
    assert setup["first"].member.full_name in html and setup["second"].member.full_name not in html
    assert "My reviews" in html
    # The name is a link to the review (the walk of 2026-11-29: on a phone the last column, with the only
    # link, was out of sight).
    review_url = reverse("events:review", args=[setup["first"].pk])
    from django.utils.html import escape

    assert f'<th scope="row"><a href="{review_url}">{escape(setup["first"].member.full_name)}</a></th>' in html


def test_my_reviews_shows_each_state(client, setup):
    reviewer = setup["other"]
    Application.objects.filter(pk=setup["second"].pk).update(decision=Decision.SELECTED,
                                                             decision_sent=Decision.SELECTED)
    client.force_login(reviewer)
    states = {review.application_id: state for review, state in client.get(MY_REVIEWS).context["rows"]}
    assert states == {setup["first"].pk: reviews.ReviewState.SCORED, setup["second"].pk: reviews.ReviewState.CLOSED}


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unassigned_application_is_a_404(client, setup, method):
    client.force_login(setup["reviewer"])
    for pk in (setup["second"].pk, 999999):
        url = reverse("events:review", args=[pk])
        response = client.get(url) if method == "get" else post_scores(client, setup["second"], setup["criteria"],
                                                                       [5, 5, 5])
        assert response.status_code == 404
    assert not Score.objects.filter(review__reviewer=setup["reviewer"]).exists()
    setup["second"].refresh_from_db()
    assert setup["second"].review_count == 0


def test_the_review_page_shows_the_application_but_not_the_other_reviews(client, setup):
    first = setup["first"]
    Application.objects.filter(pk=first.pk).update(motivation="MOTIVATION-TEXT", contribution="CONTRIBUTION-TEXT",
                                                   topics="TOPICS-TEXT", accessibility_needs="WHEELCHAIR-NOTE",
                                                   dietary_needs="DIET-NOTE")
    client.force_login(setup["reviewer"])
    html = client.get(reverse("events:review", args=[first.pk])).content.decode()
    for text in ("MOTIVATION-TEXT", "CONTRIBUTION-TEXT", "TOPICS-TEXT", "500.00", "Criterion 1", "weight 3"):
        assert text in html
    assert "SECRET-COMMENT-OF-ANOTHER" not in html
    first.refresh_from_db()
    assert first.score == Decimal("2.00") and str(first.score) not in html and "2,00" not in html
    # Health and diet notes are for the organisers, not for scoring.
    assert "WHEELCHAIR-NOTE" not in html and "DIET-NOTE" not in html


def test_own_organisation_refused_even_if_assigned(client, days):
    home = OrganisationFactory()
    application = make_application(days, MemberFactory(organisation=home))
    criteria = make_criteria(days, 1)
    colleague = make_reviewer(home)
    Review.objects.create(application=application, reviewer=colleague)  # as if assigned by hand
    client.force_login(colleague)
    assert client.get(MY_REVIEWS).context["rows"] == []
    response = client.get(reverse("events:review", args=[application.pk]))
    assert response.status_code == 403 and application.member.full_name not in response.content.decode()
    assert post_scores(client, application, criteria, [5]).status_code == 403
    assert not Score.objects.exists()


# ------------------------------------------------------------------------------ scoring through the page
def test_a_reviewer_scores_then_corrects(client, setup):
    first, criteria = setup["first"], setup["criteria"]
    client.force_login(setup["reviewer"])
    response = post_scores(client, first, criteria, ["5", "3", "1"], comment="Clear and concrete.")
    assert response.status_code == 302 and response["Location"] == MY_REVIEWS
    assert "weighted score 3.67" in [str(m) for m in get_messages(response.wsgi_request)][0]
    first.refresh_from_db()
    assert (first.score, first.review_count) == (Decimal("2.84"), 2)  # (2.00 + 3.67) / 2 = 2.835
    page = client.get(reverse("events:review", args=[first.pk]))
    assert page.context["form"].initial[f"criterion_{criteria[0].pk}"] == "5"
    assert "Clear and concrete." in page.content.decode()
    post_scores(client, first, criteria, ["1", "1", "1"])
    first.refresh_from_db()
    assert (first.score, first.review_count) == (Decimal("1.50"), 2)


@pytest.mark.parametrize(("values", "message"), [
    (["9", "3", "3"], "A score is from 1 to 5, not 9."),
    (["x", "3", "3"], "Enter a whole number from 1 to 5, not “x”."),
    (["", "3", "3"], "Score this criterion, from 1 to 5."),
])
def test_bad_scores_on_the_page_are_clear_errors(client, setup, values, message):
    client.force_login(setup["reviewer"])
    response = post_scores(client, setup["first"], setup["criteria"], values)
    assert response.status_code == 200 and response.context["form"].errors
    assert message.replace("“", "&ldquo;").replace("”", "&rdquo;") in response.content.decode() or \
        message in response.content.decode()
    assert not Score.objects.filter(review__reviewer=setup["reviewer"]).exists()


def test_a_closed_review_is_read_only(client, setup):
    first = setup["first"]
    Application.objects.filter(pk=first.pk).update(decision=Decision.NOT_SELECTED, decision_sent=Decision.NOT_SELECTED)
    client.force_login(setup["reviewer"])
    page = client.get(reverse("events:review", args=[first.pk])).content.decode()
    assert "Reviews of this application are closed" in page and "Save my review" not in page
    response = post_scores(client, first, setup["criteria"], [5, 5, 5])
    assert response.status_code == 200 and "closed" in " ".join(response.context["form"].non_field_errors())
    assert not Score.objects.filter(review__reviewer=setup["reviewer"]).exists()


# ------------------------------------------------------------------------------ assigning
def test_the_secretariat_assigns_and_is_told_who_is_short(client, days, staff):
    home = OrganisationFactory(name="Lonely City")
    applicants = [make_application(days) for _ in range(3)]
    lonely = make_application(days, MemberFactory(organisation=home))
    team = [make_reviewer(home), make_reviewer()]
    client.force_login(staff)
    page = client.get(ASSIGN)
    assert page.status_code == 200 and page.context["event"] == days and page.context["submitted"] == 4
    response = client.post(ASSIGN, {"event": days.pk, "reviewers": [u.pk for u in team], "per_application": 2})
    assert response.status_code == 302 and response["Location"] == f"{ASSIGN}?event={days.pk}"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts[0] == "7 reviews assigned."
    assert "1 application has fewer than 2 reviewers" in texts[1] and "Lonely City (1/2)" in texts[1]
    assert all(a.reviews.count() == 2 for a in applicants)
    assert list(lonely.reviews.values_list("reviewer_id", flat=True)) == [team[1].pk]
    loads = client.get(ASSIGN).context["rows"]
    assert [(user.pk, load["assigned"]) for user, load in loads] == sorted(
        [(team[0].pk, 3), (team[1].pk, 4)], key=lambda row: [u.pk for u, _l in loads].index(row[0]))


@pytest.mark.parametrize("data", [
    {"per_application": "abc"}, {"per_application": "0"}, {"per_application": "11"}, {"reviewers": []},
    {"event": "999999"},
])
def test_bad_assignment_input_is_a_clear_error(client, days, staff, data):
    make_application(days)
    reviewer = make_reviewer()
    client.force_login(staff)
    response = client.post(ASSIGN, {"event": days.pk, "reviewers": [reviewer.pk], "per_application": 2, **data})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Review.objects.exists()


def test_a_non_reviewer_cannot_be_posted_as_reviewer(client, days, staff):
    make_application(days)
    client.force_login(staff)
    response = client.post(ASSIGN, {"event": days.pk, "reviewers": [staff.pk], "per_application": 1})
    assert response.status_code == 200 and response.context["form"].errors["reviewers"]
    assert not Review.objects.exists()


# ------------------------------------------------------------------------------ query counts
@pytest.mark.parametrize("size", [3, 30])
def test_my_reviews_query_count_does_not_grow(client, days, staff, django_assert_max_num_queries, size):
    reviewer = make_reviewer(OrganisationFactory())
    for _ in range(size):
        make_application(days)
    reviews.reviews_assign(event=days, reviewers=[reviewer], per_application=1, by=staff)
    client.force_login(reviewer)
    # session, user, member (middleware), 2FA, 2 permissions, savepoint x2; the page: member, reviews
    with django_assert_max_num_queries(10):
        response = client.get(MY_REVIEWS)
    assert len(response.context["rows"]) == size


# ------------------------------------------------------------------------------ the staff menu
def test_the_staff_menu_and_admin_index_link_each_to_their_page(client, setup, staff):
    client.force_login(setup["reviewer"])
    html = client.get(reverse("admin:index")).content.decode()
    assert f'href="{MY_REVIEWS}"' in html and ASSIGN not in html
    client.force_login(staff)
    html = client.get(reverse("admin:index")).content.decode()
    assert ASSIGN in html and f'href="{MY_REVIEWS}"' not in html


def test_the_group_of_a_reviewer_is_only_reviewers(setup):
    assert list(setup["reviewer"].groups.values_list("name", flat=True)) == ["Reviewers"]
    assert Group.objects.filter(name="Reviewers").exists()
    assert not UserFactory().has_perm(reviews.SCORE_PERMISSION)
