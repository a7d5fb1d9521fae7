"""Issue 11 item 4, the rules (events/reviews.py): assignment in bulk, evenly, never to the
applicant's organisation, idempotent; scores 1-5 on every criterion; weighted averages."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import AuditEntry
from events import reviews
from events.models import Application, ApplicationStatus, Criterion, Decision, Review, Score

from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import make_application, make_criteria, make_reviewer, make_webinar

pytestmark = pytest.mark.django_db


def applications(event, count, **fields):
    return [make_application(event, **fields) for _ in range(count)]


def loads(event):
    return Counter(Review.objects.filter(application__event=event).values_list("reviewer_id", flat=True))


# ------------------------------------------------------------------------------ assignment
def test_ten_applications_four_reviewers_two_each_is_five_each(days, staff):
    apps = applications(days, 10)
    team = [make_reviewer() for _ in range(4)]
    outcome = reviews.reviews_assign(event=days, reviewers=team, per_application=2, by=staff)
    assert outcome.created == 20 and outcome.short == []
    assert sorted(loads(days).values()) == [5, 5, 5, 5]
    assert outcome.loads == {user.pk: 5 for user in team}
    for application in apps:
        assert application.reviews.values("reviewer").distinct().count() == 2


def test_ties_go_to_the_lowest_user_id_so_a_run_is_deterministic(days, staff):
    apps = applications(days, 3)
    team = sorted((make_reviewer() for _ in range(3)), key=lambda user: user.pk)
    reviews.reviews_assign(event=days, reviewers=reversed(team), per_application=2, by=staff)
    got = {a.pk: set(a.reviews.values_list("reviewer_id", flat=True)) for a in apps}
    # first: the two lowest ids; second: the least loaded (3rd), then the lowest id among the tied
    assert got == {apps[0].pk: {team[0].pk, team[1].pk}, apps[1].pk: {team[2].pk, team[0].pk},
                   apps[2].pk: {team[1].pk, team[2].pk}}


def test_running_again_adds_nothing_and_raising_n_adds_only_what_is_missing(days, staff):
    applications(days, 10)
    team = [make_reviewer() for _ in range(4)]
    reviews.reviews_assign(event=days, reviewers=team, per_application=2, by=staff)
    again = reviews.reviews_assign(event=days, reviewers=team, per_application=2, by=staff)
    assert again.created == 0 and Review.objects.count() == 20
    more = reviews.reviews_assign(event=days, reviewers=team, per_application=3, by=staff)
    assert more.created == 10 and Review.objects.count() == 30
    assert sorted(loads(days).values()) == [7, 7, 8, 8]
    assert Review.objects.values("application", "reviewer").distinct().count() == 30


def test_a_new_reviewer_takes_the_load_of_a_later_run(days, staff):
    applications(days, 4)
    first = [make_reviewer() for _ in range(2)]
    reviews.reviews_assign(event=days, reviewers=first, per_application=1, by=staff)
    applications(days, 4)
    newcomer = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[*first, newcomer], per_application=1, by=staff)
    # the newcomer (0) takes the first two, then the three tie at 2: lowest ids first -> 3, 3, 2
    assert sorted(loads(days).values()) == [2, 3, 3] and loads(days)[newcomer.pk] == 2


def test_never_a_reviewer_of_the_applicants_organisation(days, staff):
    barcelona, montreal = OrganisationFactory(name="Barcelona"), OrganisationFactory(name="Montréal")
    from_barcelona = [make_application(days, MemberFactory(organisation=barcelona)) for _ in range(3)]
    others = applications(days, 3)
    team = [make_reviewer(barcelona), make_reviewer(barcelona), make_reviewer(montreal)]
    outcome = reviews.reviews_assign(event=days, reviewers=team, per_application=2, by=staff)
    for application in from_barcelona:
        reviewer_ids = set(application.reviews.values_list("reviewer_id", flat=True))
        assert reviewer_ids == {team[2].pk}  # the only one outside Barcelona
    for application in others:
        assert application.reviews.count() == 2
    assert [(a.pk, got) for a, got in outcome.short] == [(a.pk, 1) for a in from_barcelona]
    assert not Review.objects.filter(application__member__organisation=barcelona,
                                     reviewer__member__organisation=barcelona).exists()


def test_the_most_constrained_applications_are_served_first(days, staff):
    """Two reviewers, one of them from the last applicant's organisation, one review each: the
    constrained application gets the other one, whatever its place in the queue."""
    home = OrganisationFactory()
    free = applications(days, 1)[0]
    constrained = make_application(days, MemberFactory(organisation=home))
    outsider, colleague = make_reviewer(), make_reviewer(home)
    outcome = reviews.reviews_assign(event=days, reviewers=[outsider, colleague], per_application=1, by=staff)
    assert outcome.short == []
    assert list(constrained.reviews.values_list("reviewer_id", flat=True)) == [outsider.pk]
    assert list(free.reviews.values_list("reviewer_id", flat=True)) == [colleague.pk]


def test_only_submitted_applications_not_yet_told_get_reviewers(days, staff):
    submitted = make_application(days)
    make_application(days, submitted=False)
    withdrawn = make_application(days)
    Application.objects.filter(pk=withdrawn.pk).update(status=ApplicationStatus.WITHDRAWN)
    told = make_application(days)
    Application.objects.filter(pk=told.pk).update(decision=Decision.NOT_SELECTED, decision_sent=Decision.NOT_SELECTED)
    reviews.reviews_assign(event=days, reviewers=[make_reviewer()], per_application=1, by=staff)
    assert list(Review.objects.values_list("application_id", flat=True)) == [submitted.pk]


def test_only_reviewers_are_assigned(days, staff):
    make_application(days)
    plain_staff = UserFactory(is_staff=True)
    not_staff = make_reviewer(is_staff=False)
    with pytest.raises(ValidationError) as error:
        reviews.reviews_assign(event=days, reviewers=[plain_staff, not_staff, staff], per_application=1, by=staff)
    assert "reviewers" in error.value.message_dict
    assert not Review.objects.exists()


@pytest.mark.parametrize("number", ["abc", "", None, 0, -1, 11, "2.5"])
def test_a_wrong_number_of_reviewers_per_application_is_a_clear_error(days, staff, number):
    make_application(days)
    with pytest.raises(ValidationError) as error:
        reviews.reviews_assign(event=days, reviewers=[make_reviewer()], per_application=number, by=staff)
    assert error.value.message_dict["per_application"]
    assert not Review.objects.exists()


def test_reviews_are_for_the_in_person_days(edition, staff):
    with pytest.raises(ValidationError):
        reviews.reviews_assign(event=make_webinar(edition), reviewers=[make_reviewer()], per_application=1, by=staff)


def test_an_assignment_run_is_in_the_audit_log(days, staff):
    make_application(days)
    reviewer = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[reviewer], per_application=2, by=staff)
    entry = AuditEntry.objects.get(action=reviews.ReviewAction.ASSIGNED)
    assert entry.actor == staff
    assert entry.after["created"] == 1 and entry.after["reviewers"] == [reviewer.pk] and len(entry.after["short"]) == 1


# ------------------------------------------------------------------------------ scores
@pytest.fixture
def scored(days, staff):
    """An application, criteria weighing 3, 2 and 1, two reviewers assigned."""
    application = make_application(days)
    criteria = make_criteria(days, 3, 2, 1)
    first, second = make_reviewer(), make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[first, second], per_application=2, by=staff)
    return application, criteria, first, second


def review_of(application, reviewer):
    return Review.objects.get(application=application, reviewer=reviewer)


def scores(criteria, *values):
    return {criterion.pk: value for criterion, value in zip(criteria, values, strict=True)}


def test_weighted_scores_and_the_applications_mean(scored):
    application, criteria, first, second = scored
    review = reviews.review_save(review=review_of(application, first), scores=scores(criteria, 5, 3, 1),
                                 comment="  Strong corridors.  ", by=first)
    assert review.weighted_score == Decimal("3.67")  # (15 + 6 + 1) / 6 = 3.666...
    assert review.comment == "Strong corridors."
    application.refresh_from_db()
    assert (application.score, application.review_count) == (Decimal("3.67"), 1)  # the unscored one does not count

    reviews.review_save(review=review_of(application, second), scores=scores(criteria, "4", "4", "4"), by=second)
    application.refresh_from_db()
    assert (application.score, application.review_count) == (Decimal("3.84"), 2)  # (3.67 + 4.00) / 2 = 3.835, half up


def test_exact_values_of_the_weighted_average(days, staff):
    application = make_application(days)
    criteria = make_criteria(days, 1, 1, 10)
    reviewer = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[reviewer], per_application=1, by=staff)
    review = reviews.review_save(review=review_of(application, reviewer), scores=scores(criteria, 1, 2, 5), by=reviewer)
    assert review.weighted_score == Decimal("4.42")  # (1 + 2 + 50) / 12 = 4.4166...
    application.refresh_from_db()
    assert application.score == Decimal("4.42")


@pytest.mark.parametrize(("weights", "values", "expected"), [
    ((1,), (3,), "3.00"),
    ((3, 2, 1), (4, 5, 2), "4.00"),      # (12 + 10 + 2) / 6
    ((2, 1, 1), (5, 4, 1), "3.75"),      # 15 / 4
    ((1, 1, 1), (1, 1, 2), "1.33"),      # 4 / 3
    ((1, 2), (1, 2), "1.67"),            # 5 / 3
    ((1, 7), (5, 4), "4.13"),            # 33 / 8 = 4.125, half up
    ((10, 10), (5, 5), "5.00"),
])
def test_weighted_score_is_the_weighted_mean_to_two_decimals_half_up(weights, values, expected):
    criteria = [Criterion(pk=i, weight=w) for i, w in enumerate(weights, start=1)]
    assert reviews.weighted_score(dict(enumerate(values, start=1)), criteria) == Decimal(expected)


def test_correcting_a_review_updates_the_scores_without_duplicates(scored):
    application, criteria, first, second = scored
    review = review_of(application, first)
    reviews.review_save(review=review, scores=scores(criteria, 1, 1, 1), by=first)
    submitted_at = Review.objects.get(pk=review.pk).submitted_at
    reviews.review_save(review=review, scores=scores(criteria, 5, 5, 5), comment="On second reading.", by=first)
    review.refresh_from_db()
    application.refresh_from_db()
    assert Score.objects.filter(review=review).count() == 3
    assert sorted(review.scores.values_list("value", flat=True)) == [5, 5, 5]
    assert (review.weighted_score, review.submitted_at) == (Decimal("5.00"), submitted_at)
    assert (application.score, application.review_count) == (Decimal("5.00"), 1)


@pytest.mark.parametrize(("values", "message"), [
    ((0, 3, 3), "A score is from 1 to 5, not 0."),
    ((6, 3, 3), "A score is from 1 to 5, not 6."),
    (("abc", 3, 3), "Enter a whole number from 1 to 5, not “abc”."),
    (("3.5", 3, 3), "Enter a whole number from 1 to 5, not “3.5”."),
    (("", 3, 3), "Score this criterion, from 1 to 5."),
    ((None, 3, 3), "Score this criterion, from 1 to 5."),
])
def test_a_wrong_score_is_a_clear_error_and_nothing_is_saved(scored, values, message):
    application, criteria, first, _second = scored
    with pytest.raises(ValidationError) as error:
        reviews.review_save(review=review_of(application, first), scores=scores(criteria, *values), by=first)
    assert error.value.message_dict == {f"criterion_{criteria[0].pk}": [message]}
    assert not Score.objects.exists()
    application.refresh_from_db()
    assert (application.score, application.review_count) == (None, 0)
    assert review_of(application, first).submitted_at is None


def test_every_criterion_must_be_scored(scored):
    application, criteria, first, _second = scored
    with pytest.raises(ValidationError) as error:
        reviews.review_save(review=review_of(application, first), scores={criteria[0].pk: 4}, by=first)
    assert set(error.value.message_dict) == {f"criterion_{criteria[1].pk}", f"criterion_{criteria[2].pk}"}


def test_a_score_for_the_own_organisation_is_refused_even_when_assigned(days, staff):
    home = OrganisationFactory()
    application = make_application(days, MemberFactory(organisation=home))
    criteria = make_criteria(days, 1)
    colleague = make_reviewer(home)
    review = Review.objects.create(application=application, reviewer=colleague)  # as if assigned by hand
    with pytest.raises(PermissionDenied):
        reviews.review_save(review=review, scores=scores(criteria, 5), by=colleague)
    assert not Score.objects.exists()
    application.refresh_from_db()
    assert application.review_count == 0


def test_nobody_saves_someone_elses_review(scored, staff):
    application, criteria, first, second = scored
    for intruder in (second, staff, UserFactory()):
        with pytest.raises(PermissionDenied):
            reviews.review_save(review=review_of(application, first), scores=scores(criteria, 5, 5, 5), by=intruder)
    assert not Score.objects.exists()


@pytest.mark.parametrize("change", ["decision_sent", "withdrawn"])
def test_reviews_close_when_the_decision_is_sent_or_the_application_withdrawn(scored, change):
    application, criteria, first, _second = scored
    if change == "decision_sent":
        Application.objects.filter(pk=application.pk).update(decision=Decision.WAITLISTED,
                                                             decision_sent=Decision.WAITLISTED)
    else:
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.WITHDRAWN)
    with pytest.raises(ValidationError, match="closed"):
        reviews.review_save(review=review_of(application, first), scores=scores(criteria, 5, 5, 5), by=first)
    assert not Score.objects.exists()


def test_no_criteria_no_review(days, staff):
    application = make_application(days)
    reviewer = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[reviewer], per_application=1, by=staff)
    with pytest.raises(ValidationError, match="No review criteria"):
        reviews.review_save(review=review_of(application, reviewer), scores={}, by=reviewer)


def test_a_saved_review_is_in_the_audit_log(scored):
    application, criteria, first, _second = scored
    review = reviews.review_save(review=review_of(application, first), scores=scores(criteria, 2, 3, 4), by=first)
    entry = AuditEntry.objects.get(action=reviews.ReviewAction.SCORED)
    assert entry.actor == first and entry.target_id == str(review.pk)
    assert entry.after == {"scores": {str(c.pk): v for c, v in zip(criteria, (2, 3, 4), strict=True)},
                           "weighted_score": "2.67"}


def test_criteria_keep_their_weights_once_scored(scored, days):
    application, criteria, first, _second = scored
    reviews.criterion_check(Criterion(event=days, name="Late one"))  # nothing scored yet: fine
    reviews.review_save(review=review_of(application, first), scores=scores(criteria, 2, 3, 4), by=first)
    assert reviews.criteria_locked(days)
    with pytest.raises(ValidationError, match="already scored"):
        reviews.criterion_check(Criterion(event=days, name="Late one"))
    with pytest.raises(ValidationError, match="already scored"):
        reviews.criterion_check(criteria[0], changed=["weight"])
    reviews.criterion_check(criteria[0], changed=["name_fr", "description_en"])  # corrections are fine


def test_criteria_are_for_in_person_events(edition):
    with pytest.raises(ValidationError) as error:
        reviews.criterion_check(Criterion(event=make_webinar(edition), name="Any"))
    assert "event" in error.value.message_dict


def test_the_errors_are_in_the_readers_language(scored):
    from django.utils import translation

    application, criteria, first, _second = scored
    for language, expected in (("fr", "Une note va de 1 à 5, et non 7."), ("es", "Una puntuación va de 1 a 5, no 7.")):
        with translation.override(language), pytest.raises(ValidationError) as error:
            reviews.review_save(review=review_of(application, first), scores=scores(criteria, 7, 3, 3), by=first)
        assert error.value.message_dict[f"criterion_{criteria[0].pk}"] == [expected]


# ------------------------------------------------------------------------------ withdrawing reviews
def test_open_reviews_are_withdrawn_and_submitted_ones_kept(scored, staff, days):
    application, criteria, first, second = scored
    reviews.review_save(review=review_of(application, first), scores=scores(criteria, 5, 4, 3), by=first)
    withdrawn = reviews.reviews_withdraw(reviews=list(Review.objects.filter(application=application)), by=staff)
    assert withdrawn == 1
    assert list(Review.objects.filter(application=application).values_list("reviewer_id", flat=True)) == [first.pk]
    application.refresh_from_db()
    assert application.review_count == 1 and application.score is not None  # the submitted one still counts
    entry = AuditEntry.objects.get(action=reviews.ReviewAction.WITHDRAWN)
    assert entry.actor == staff and entry.before["reviews"][0]["reviewer"] == second.pk
    # Assigning again gives the application a second reviewer again.
    third = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[third], per_application=2, by=staff)
    assert set(Review.objects.filter(application=application).values_list("reviewer_id", flat=True)) == {
        first.pk, third.pk}


def test_withdrawing_nothing_open_writes_nothing(scored, staff):
    application, criteria, first, second = scored
    assert reviews.reviews_withdraw(reviews=[], by=staff) == 0
    assert not AuditEntry.objects.filter(action=reviews.ReviewAction.WITHDRAWN).exists()
