"""Issue 11 item 4: the "Reviewers" group has exactly its permission, and reviewers reach nothing of
the admin but its index (which links to their reviews); the secretariat's part (criteria, reviews
read-only, assigning)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from events import reviews
from events.models import Criterion, Review

from .conftest import make_application, make_criteria, make_reviewer, reviewers_group

pytestmark = pytest.mark.django_db


def test_the_reviewers_group_has_exactly_its_permission():
    group = reviewers_group()
    assert set(group.permissions.values_list("content_type__app_label", "codename")) == {("events", "score_review")}
    assert {f"events.{codename}" for codename in group.permissions.values_list("codename", flat=True)} == set(
        reviews.REVIEWER_PERMISSIONS)


def test_a_reviewer_has_that_permission_and_nothing_else():
    reviewer = make_reviewer()
    assert reviewer.get_all_permissions() == {"events.score_review"}
    # deciding, granting, the selection board, assigning, reading other reviews: none of it
    for permission in ("events.view_application", "events.change_application", "events.change_event",
                       "events.view_budget", "events.change_budget", "events.view_review", "events.view_score",
                       reviews.ASSIGN_PERMISSION, "community.view_member"):
        assert not reviewer.has_perm(permission), permission


def test_the_secretariat_sets_criteria_reads_reviews_and_assigns_but_does_not_score(staff):
    secretariat = set(Group.objects.get(name="Secretariat").permissions.values_list("codename", flat=True))
    assert {"view_criterion", "add_criterion", "change_criterion", "delete_criterion", "view_review", "view_score",
            "assign_reviewers"} <= secretariat
    assert "score_review" not in secretariat and "change_review" not in secretariat
    assert not staff.has_perm(reviews.SCORE_PERMISSION)


@pytest.mark.parametrize("name", [
    "admin:community_member_changelist", "admin:community_organisation_changelist", "admin:community_user_changelist",
    "admin:community_auditentry_changelist", "admin:mailings_outboxmessage_changelist",
    "admin:events_event_changelist", "admin:events_invitation_changelist", "admin:events_criterion_changelist",
    "admin:events_review_changelist", "admin:events_eligibilityexception_changelist",
    "admin:surveys_portrait_changelist",
])
def test_a_reviewer_opens_no_admin_list(client, name):
    client.force_login(make_reviewer())
    assert client.get(reverse(name)).status_code == 403


def test_a_reviewer_sees_the_admin_index_with_only_the_link_to_their_reviews(client):
    client.force_login(make_reviewer())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert f'href="{reverse("events:my_reviews")}"' in response.content.decode()


def test_the_secretariat_reads_criteria_and_reviews_in_the_admin(client, staff, days):
    application = make_application(days)
    criteria = make_criteria(days, 2, 1)
    reviewer = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[reviewer], per_application=1, by=staff)
    review = Review.objects.get()
    reviews.review_save(review=review, scores={c.pk: 4 for c in criteria}, comment="Fine.", by=reviewer)
    client.force_login(staff)
    assert client.get(reverse("admin:events_criterion_changelist")).status_code == 200
    listing = client.get(reverse("admin:events_review_changelist"))
    assert listing.status_code == 200 and "4.00" in listing.content.decode()
    page = client.get(reverse("admin:events_review_change", args=[review.pk]))
    assert page.status_code == 200 and "Fine." in page.content.decode()
    assert client.post(reverse("admin:events_review_change", args=[review.pk]), {"comment": "x"}).status_code == 403
    assert client.get(reverse("admin:events_review_delete", args=[review.pk])).status_code == 403
    assert application.reviews.count() == 1


def criterion_form(event, **fields):
    return {"event": event.pk, "name_en": "Engagement", "name_fr": "Engagement", "name_es": "Compromiso",
            "description_en": "", "description_fr": "", "description_es": "", "weight": "2", "position": "3",
            **fields}


def test_the_secretariat_adds_a_criterion_in_three_languages(client, staff, days):
    client.force_login(staff)
    response = client.post(reverse("admin:events_criterion_add"), criterion_form(days))
    assert response.status_code == 302
    criterion = Criterion.objects.get()
    assert (criterion.name_fr, criterion.name_es, criterion.weight) == ("Engagement", "Compromiso", 2)


@pytest.mark.parametrize("weight", ["0", "11", "abc"])
def test_a_weight_out_of_range_is_refused(client, staff, days, weight):
    client.force_login(staff)
    response = client.post(reverse("admin:events_criterion_add"), criterion_form(days, weight=weight))
    assert response.status_code == 200 and response.context["adminform"].form.errors["weight"]
    assert not Criterion.objects.exists()


def test_once_scored_no_criterion_is_added_and_weights_stay(client, staff, days):
    make_application(days)
    criterion = make_criteria(days, 2)[0]
    reviewer = make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[reviewer], per_application=1, by=staff)
    reviews.review_save(review=Review.objects.get(), scores={criterion.pk: 3}, by=reviewer)
    client.force_login(staff)
    response = client.post(reverse("admin:events_criterion_add"), criterion_form(days))
    assert response.status_code == 200 and "already scored" in response.content.decode()
    assert Criterion.objects.count() == 1
    change = reverse("admin:events_criterion_change", args=[criterion.pk])
    response = client.post(change, criterion_form(days, weight="9", name_fr="Critère corrigé"))
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.weight, criterion.name_fr) == (2, "Critère corrigé")  # the weight is read-only now


def test_the_secretariat_withdraws_open_reviews_and_others_cannot(client, staff, days):
    from django.contrib.auth.models import Permission

    from community import second_factor

    from ..conftest import STAFF_TOTP_SECRET
    from ..factories import UserFactory

    make_application(days)
    make_criteria(days, 1)
    first, second = make_reviewer(), make_reviewer()
    reviews.reviews_assign(event=days, reviewers=[first, second], per_application=2, by=staff)
    url = reverse("admin:events_review_changelist")
    action = {"action": "withdraw", "_selected_action": list(Review.objects.values_list("pk", flat=True))}
    # Staff who may read the reviews but not assign: the action is neither offered nor done.
    reader = UserFactory(email="reader@secretariat.example", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_review"))
    second_factor.totp_activate(reader, STAFF_TOTP_SECRET)
    client.force_login(reader)
    assert 'value="withdraw"' not in client.get(url).content.decode()
    client.post(url, action)
    assert Review.objects.count() == 2
    # A reviewer: no admin list at all.
    client.force_login(first)
    assert client.post(url, action).status_code in (302, 403) and Review.objects.count() == 2
    # The secretariat.
    client.force_login(staff)
    assert 'value="withdraw"' in client.get(url).content.decode()
    response = client.post(url, action, follow=True)
    assert Review.objects.count() == 0
    assert "2 reviews withdrawn" in response.content.decode()
