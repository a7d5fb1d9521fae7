"""Numbers in the page's language (portal.numbers): the walk of 2026-11-29 found French and Spanish
pages mixing "1500,00 sur 15000,00 EUR" with "750.00 EUR de voyage", and typed amounts and answers
coming back with a point ("1 500,50" shown as "1500.50")."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from events.models import EligibilityException
from portal.numbers import decimal_input, euros, grouped
from surveys import services as survey_services

from ..events.conftest import make_application, make_days
from ..factories import MemberFactory
from ..surveys.conftest import make_survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "amount", "typed", "whole"), [
    ("en", "1,500.50", "1500.5", "3,300,000"),
    ("fr", "1\u202f500,50", "1500,5", "3\u202f300\u202f000"),
    ("es", "1.500,50", "1500,5", "3.300.000"),
])
def test_amounts_and_typed_numbers_in_each_language(language, amount, typed, whole):
    with translation.override(language):
        assert euros(Decimal("1500.50")).replace("\xa0", "\u202f") == amount
        assert decimal_input(Decimal("1500.5")) == typed
        assert grouped(3_300_000).replace("\xa0", "\u202f") == whole
        assert decimal_input(Decimal("500.00")) == "500" and euros(None) == "" and euros("n/a") == "n/a"


def test_a_french_applicant_sees_and_types_the_estimate_with_a_comma(client, edition, staff):
    event = make_days(edition)
    member = MemberFactory(preferred_language="fr")
    EligibilityException.objects.create(event=event, member=member, reason="By post", granted_by=staff)
    application = make_application(event, member, travel_cost_estimate=Decimal("1500.50"))
    client.force_login(member.user)
    page = client.get(reverse("events:application", args=[event.pk])).content.decode()
    assert 'value="1500,50"' in page
    # Saved again as shown, the amount is the same.
    data = {"motivation": application.motivation, "contribution": application.contribution,
            "travel_support_wanted": "on", "travel_cost_estimate": "1500,50", "action": "save"}
    client.post(reverse("events:application", args=[event.pk]), data)
    application.refresh_from_db()
    assert application.travel_cost_estimate == Decimal("1500.50")


def test_a_french_member_reads_a_number_answer_with_a_comma(client, edition, member):
    member.preferred_language = "fr"
    member.save()
    survey = make_survey(edition)
    portrait = survey_services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    survey_services.answer_save(portrait=portrait, question=survey.q["number"], value="12,5", member=member,
                                base_version=0)
    client.force_login(member.user)
    page = client.get(reverse("surveys:section", args=[survey.pk, survey.q["number"].section_id])).content.decode()
    assert 'value="12,5"' in page
    answer = portrait.answers.get()
    with translation.override("fr"):  # as a colleague's conflicting answer and the submission email show it
        assert survey_services.answer_display(survey.q["number"], answer) == "12,5 m²"


def test_the_selection_board_writes_amounts_in_french(client, edition, staff):
    event = make_days(edition, euros="15000.00")
    make_application(event, travel_cost_estimate=Decimal("750.00"), score=Decimal("4.83"))
    staff.preferred_language = "fr"
    client.force_login(staff)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("events:staff_board", args=[event.pk])).content.decode().replace("\xa0", " ").replace(
        "\u202f", " ")
    assert "0,00 sur 15 000,00 EUR" in page
    assert "750,00 EUR" in page and "750.00 EUR" not in page
    assert "<strong>4,83</strong>" in page  # the score too
