"""A reviewer scores an application in a real browser: sign-in with the second factor, the review
page under the strict CSP (no violation), the radio buttons by keyboard and click, save, "My reviews"."""

from decimal import Decimal

import pytest
from django.urls import reverse

from events.models import Review

from ..conftest import screenshot
from ..factories import EditionFactory
from .conftest import make_application, make_criteria, make_days, make_reviewer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reviewer_scores_an_application(open_page, live_server):
    days = make_days(EditionFactory())
    application = make_application(days, motivation="We are greening 40 km of river banks.")
    criteria = make_criteria(days, 3, 2, 1)
    reviewer = make_reviewer(email="reviewer@jury.example")
    Review.objects.create(application=application, reviewer=reviewer)
    url = reverse("events:review", args=[application.pk])

    page = open_page(url, signed_in_as=reviewer)  # the code sign-in: tests/events/test_days_browser.py
    assert "40 km of river banks" in page.content()

    page.click("main button[type=submit]")  # nothing ticked: the errors, no save
    assert page.locator(".text-danger").count() == 3
    for criterion, value in zip(criteria, (5, 3, 1), strict=True):
        page.check(f"#criterion-{criterion.pk} input[value='{value}']")
    page.fill("textarea[name=comment]", "Concrete and transferable.")
    screenshot(page, "review-1280")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{reverse('events:my_reviews')}")
    row = page.locator(f"tr[data-application='{application.pk}']")
    assert row.get_attribute("data-state") == "scored" and "3.67" in row.inner_text()
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "my-reviews-375")
    application.refresh_from_db()
    assert (application.score, application.review_count) == (Decimal("3.67"), 1)
    assert page.problems == []
