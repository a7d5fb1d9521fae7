"""The staff lists (issue 8, item 1): filters that list only the values in use under their labels,
long text cut with its full text kept, numbers grouped the language's way."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mailings.models import OutboxMessage

from ..factories import MemberFactory, MembershipInvitationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _filter_texts(response, title):
    """The link texts of one filter of the sidebar."""
    html = response.content.decode()
    start = html.index(f"By {title}")
    block = html[start:html.index("</ul>", start)]
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", block, re.S)]


def _outbox(key, template, language="en", subject="Hello"):
    return OutboxMessage.objects.create(dedupe_key=key, recipient=f"{key}@example.org", language=language,
                                        template=template, subject=subject, body_text="Hello")


def test_outbox_template_and_language_filters_show_labels_of_values_in_use(client, staff):
    _outbox("a", "account/password_reset_key", "fr")
    _outbox("b", "account/email_confirmation_signup", "es")
    _outbox("c", "portrait_submitted", "fr")
    client.force_login(staff)
    response = client.get(reverse("admin:mailings_outboxmessage_changelist"))
    templates = _filter_texts(response, "template")
    assert templates == ["All", "Email confirmation (sign-up)", "Password reset", "Portrait submitted"]
    languages = _filter_texts(response, "language")
    assert languages == ["All", "French", "Spanish"]  # English is not in use
    # The labels' links still filter, by the parameters the filters declare.
    listed = client.get(reverse("admin:mailings_outboxmessage_changelist"), {"template": "account/password_reset_key"})
    assert [m.dedupe_key for m in listed.context["cl"].result_list] == ["a"]
    listed = client.get(reverse("admin:mailings_outboxmessage_changelist"), {"language": "fr"})
    assert sorted(m.dedupe_key for m in listed.context["cl"].result_list) == ["a", "c"]


def test_outbox_long_subject_is_cut_in_the_list_and_whole_in_its_title_and_detail(client, staff):
    subject = "Your membership of the City Managers Community " * 4
    message = _outbox("long", "membership_approved", subject=subject.strip())
    client.force_login(staff)
    html = client.get(reverse("admin:mailings_outboxmessage_changelist")).content.decode()
    assert f'class="portal-truncate " title="{subject.strip()}"' in html
    assert "css/admin.css" in html  # the stylesheet that cuts it to one line
    detail = client.get(reverse("admin:mailings_outboxmessage_change", args=[message.pk])).content.decode()
    assert subject.strip() in detail


def test_organisation_country_filter_lists_only_countries_in_use(client, staff):
    OrganisationFactory(country="PT")
    OrganisationFactory(country="SN")
    client.force_login(staff)
    response = client.get(reverse("admin:community_organisation_changelist"))
    assert _filter_texts(response, "country") == ["All", "Portugal", "Senegal"]
    listed = client.get(reverse("admin:community_organisation_changelist"), {"country__exact": "PT"})
    assert [o.country.code for o in listed.context["cl"].result_list] == ["PT"]


def test_invitation_filter_says_pending_and_accepted(client, staff):
    pending = MembershipInvitationFactory(email="pending@example.org")
    MembershipInvitationFactory(email="accepted@example.org", accepted_at=timezone.now())
    client.force_login(staff)
    url = reverse("admin:community_membershipinvitation_changelist")
    response = client.get(url)
    assert _filter_texts(response, "state") == ["All", "Pending (not used yet)", "Accepted"]
    assert "Not empty" not in response.content.decode()
    # The to-do page's link (accepted_at__isempty=1) still lists the pending ones.
    assert [i.pk for i in client.get(url, {"accepted_at__isempty": "1"}).context["cl"].result_list] == [pending.pk]
    accepted = client.get(url, {"accepted_at__isempty": "0"}).context["cl"].result_list
    assert [i.email for i in accepted] == ["accepted@example.org"]


def test_member_list_shows_status_and_date_first(client, staff):
    MemberFactory()
    client.force_login(staff)
    columns = client.get(reverse("admin:community_member_changelist")).context["cl"].list_display
    assert columns[1:4] == ["full_name", "status", "joined"]  # after the selection checkbox


@pytest.mark.parametrize(("language", "expected"), [("en", "3,300,000"), ("fr", "3\xa0300\xa0000"),
                                                    ("es", "3.300.000")])
def test_population_is_grouped_the_languages_way(client, staff, member, language, expected):
    member.organisation.population = 3_300_000
    member.organisation.save()
    client.force_login(member.user)
    client.cookies["django_language"] = language
    url = reverse("community:organisation_detail", args=[member.organisation.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert expected in page.content.decode()
    client.force_login(staff)
    with translation.override(language):
        listing = client.get(reverse("admin:community_organisation_changelist"), HTTP_ACCEPT_LANGUAGE=language)
    assert expected in listing.content.decode()


@pytest.mark.parametrize(("language", "expected"), [("en", "Spain"), ("fr", "Espagne"), ("es", "España")])
def test_organisation_list_names_the_country_in_the_pages_language(client, staff, language, expected):
    organisation = OrganisationFactory(name="Barcelona", country="ES")
    client.force_login(staff)
    client.cookies["django_language"] = language
    for _ in range(2):  # the name is looked up once per language: the second page is the same
        page = client.get(reverse("admin:community_organisation_changelist"), HTTP_ACCEPT_LANGUAGE=language)
        assert f'<td class="field-country_name">{expected}</td>' in page.content.decode()
    assert str(organisation) == "Barcelona (ES)"
    assert str(type(organisation).objects.only("name").get(pk=organisation.pk)) == "Barcelona (ES)"  # deferred
