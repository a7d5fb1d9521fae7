"""The key staff lists in a real browser (issue 8, item 1): at 1280 px no list scrolls sideways and
its status column is on screen; screenshots at 1280 and 375 px for a person to look at
(var/screenshots/admin-*.png, with `make screenshots`)."""

import pytest
from django.utils import timezone

from community import second_factor
from mailings.models import OutboxMessage, OutboxStatus

from ..conftest import STAFF_TOTP_SECRET, screenshot
from ..factories import MemberFactory, MembershipInvitationFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_second_factor]

LISTS = {
    "outbox": ("/admin/mailings/outboxmessage/", "status"),
    "members": ("/admin/community/member/", "status"),
    "invitations": ("/admin/community/membershipinvitation/", "state"),
    "organisations": ("/admin/community/organisation/", "status"),
}


def _long_realistic_data():
    """Names, addresses and subjects as long as real ones get."""
    countries = ["ES", "FR", "PT", "BR", "CO", "SN", "KR", "CA", "ZA", "MX", "AR", "DE"]
    for number, country in enumerate(countries):
        organisation = OrganisationFactory(
            name=f"Área Metropolitana de Barcelona y Comarcas del Llobregat {number}", country=country,
            population=3_300_000 + number,
        )
        MemberFactory(
            organisation=organisation, user__email=f"maria.fernanda.gonzalez.rodriguez{number}@amb-barcelona.example",
            user__first_name="María Fernanda", user__last_name="González Rodríguez de la Fuente",
            job_title="Directora General de Servicios Urbanos y Coordinación Metropolitana",
        )
        MembershipInvitationFactory(
            organisation=organisation, email=f"jean-baptiste.delacroix-fontaine{number}@metropole-lyon.example",
            accepted_at=timezone.now() if number % 2 else None,
        )
        OutboxMessage.objects.create(
            dedupe_key=f"long-{number}", recipient=f"maria.fernanda.gonzalez.rodriguez{number}@amb-barcelona.example",
            language="es", template="account/email_confirmation_signup", status=OutboxStatus.SENT, attempts=1,
            sent_at=timezone.now(), body_text="Hola",
            subject="[Comunidad de Gerentes de Ciudad] Confirme su dirección de correo electrónico para completar "
                    "su registro en el portal",
        )


def test_key_admin_lists_do_not_scroll_sideways_at_1280(open_page):  # noqa: F811
    staff = UserFactory(email="lists-staff@secretariat.example", is_staff=True, is_superuser=True)
    second_factor.totp_activate(staff, STAFF_TOTP_SECRET)
    _long_realistic_data()
    page = open_page("/admin/", signed_in_as=staff)
    page.set_viewport_size({"width": 1280, "height": 900})
    base = page.url.split("/admin/")[0]
    for name, (path, status_column) in LISTS.items():
        page.goto(base + path)
        screenshot(page, f"admin-{name}-1280")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (name, widths)
        # Nor does the table inside its own box (Django's .results scrolls on overflow).
        table = page.evaluate("(r => [r.scrollWidth, r.clientWidth])(document.querySelector('#changelist .results'))")
        assert table[0] <= table[1], (name, table)
        header = page.locator(f"#result_list thead th.column-{status_column}")
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280, (name, box)
        if name == "organisations":
            # No longer thousands of pixels tall (the country filter lists the 12 countries in use, in a
            # box of its own).
            assert page.evaluate("document.documentElement.scrollHeight") < 2500
        # The same page on a phone, to look at (the layout is CSS media queries: resizing redoes it).
        page.set_viewport_size({"width": 375, "height": 800})
        screenshot(page, f"admin-{name}-375")
        page.set_viewport_size({"width": 1280, "height": 900})
    # In Spanish, whose column titles are the longest (the walk of 2026-11-29: "FECHA DE INCORPORACIÓN" and
    # "CORREO VERIFICADO" on one line each pushed the organisation out of sight): the titles wrap.
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": base}])
    page.goto(base + LISTS["members"][0])
    assert page.get_attribute("html", "lang") == "es"
    table = page.evaluate("(r => [r.scrollWidth, r.clientWidth])(document.querySelector('#changelist .results'))")
    assert table[0] <= table[1], table
    assert page.problems == []
