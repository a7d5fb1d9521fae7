"""The results page in a real browser: Chart.js (vendored, no CDN) draws a canvas per chart from the
json_script data, under the strict CSP, with no policy violation (Chart.js 4 sizes its canvas through
CSSOM, which style-src 'self' allows)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from community import second_factor

from ..conftest import STAFF_TOTP_SECRET
from ..factories import EditionFactory, UserFactory
from .conftest import make_survey
from .results_helpers import make_example

pytestmark = pytest.mark.django_db(transaction=True)


def test_results_page_draws_the_charts_without_csp_violation(open_page, live_server):  # noqa: F811
    survey = make_survey(EditionFactory())
    make_example(survey)
    # The permission itself: a flush between transactional tests removes the migrated staff group.
    staff = UserFactory(email="results@secretariat.example", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="surveys", codename="view_portrait"))
    second_factor.totp_activate(staff, STAFF_TOTP_SECRET)
    url = reverse("surveys:staff_survey_results", args=[survey.pk])

    page = open_page(url, signed_in_as=staff)
    policy = page.request.get(page.url).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy

    charts = page.locator("canvas[data-chart]")
    # single, multiple, scale, number, ranking: five charts; the texts have none.
    assert charts.count() == 5
    page.locator("canvas[data-drawn='1']").nth(4).wait_for()
    assert page.evaluate("typeof Chart") == "function"
    drawn = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')].map(
        (c) => [Chart.getChart(c) ? Chart.getChart(c).data.datasets[0].data : null, c.width > 0 && c.height > 0])""")
    assert [values for values, _sized in drawn] == [[1, 1], [2, 1, 1], [0, 0, 0, 2, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                                                    [3, 3, 0, 0]]
    assert all(sized for _values, sized in drawn)
    assert page.locator(f"table[data-question='{survey.q['single'].pk}'] tbody tr").count() == 2
    assert page.problems == []
