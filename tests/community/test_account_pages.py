"""The account pages (allauth's, in the portal's layout and words) and the account emails."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from mailings.models import OutboxMessage

from ..factories import PASSWORD, OrganisationFactory
from .test_signup import confirmation_link, signup_data

pytestmark = pytest.mark.django_db

# Words of the other products that the portal does not use: it says "Log in" and "Sign up".
OTHER_WORDINGS = {
    "en": ["Sign in", "Sign In", "Sign Out", "Sign out", "signed in", "Join", "Register"],
    "fr": ["Connexion", "Ouvrir une session", "Adhérer", "Rejoindre", "Inscription"],
    "es": ["Entrar", "Acceder", "Unirse", "Registro", "Regístrese", "vete", "recuperació "],
}
WORDS = {
    "en": ("Log in", "Sign up"),
    "fr": ("Se connecter", "S'inscrire"),
    "es": ("Iniciar sesión", "Registrarse"),
}


def visible(html: str) -> str:
    main = html[html.index("<body"):]
    return re.sub(r"<[^>]+>", " ", main)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("name", ["account_login", "account_reset_password", "account_signup", "home"])
def test_one_set_of_words_for_log_in_and_sign_up(client, language, name):
    client.cookies["django_language"] = language
    html = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    html = html.replace("&#x27;", "'").replace("&#39;", "'")
    log_in, sign_up = WORDS[language]
    assert log_in in html and sign_up in html
    text = visible(html)
    for word in OTHER_WORDINGS[language]:
        assert word not in text, f"{word!r} on {name} in {language}"


def test_a_wrong_password_shows_one_error_box(client, member):
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("alert-danger") == 1
    assert html.count("The email address and/or password you specified are not correct.") == 1


def test_email_page_with_the_only_address(client, member):
    client.force_login(member.user)
    html = client.get(reverse("account_email")).content.decode()
    assert 'class="badge text-bg-success">Verified' in html
    assert 'class="badge text-bg-primary">Primary' in html
    # The only address (the login) cannot be removed: no Remove button, no red button at all.
    assert 'name="action_remove"' not in html
    assert "btn-danger" not in html
    # The "Add" heading is inside the page's column, like the rest.
    column = html[html.index('<div class="col-lg-7">'):html.index("</main>")]
    assert "Add an email address" in column


def test_email_page_with_two_addresses(client, member):
    EmailAddress.objects.create(user=member.user, email="second@barcelona.example", verified=False, primary=False)
    client.force_login(member.user)
    html = client.get(reverse("account_email")).content.decode()
    assert 'class="badge text-bg-warning">Unverified' in html
    assert 'name="action_remove"' in html and "btn-outline-danger" in html
    assert 'name="action_send"' in html
    # The primary address still cannot be removed: allauth refuses, the page says why.
    response = client.post(
        reverse("account_email"), {"action_remove": "", "email": member.user.email}, follow=True
    )
    assert EmailAddress.objects.filter(email=member.user.email).exists()
    assert response.status_code == 200


def delivered_body(row):
    """The text of the email an outbox row delivered (the row itself is emptied: a personal link)."""
    (message,) = [m for m in mail.outbox if m.to == [row.recipient] and m.subject == row.subject]
    return message.body


def test_password_reset_pages_lead_to_log_in(client, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": member.user.email}, follow=True)
    assert f'href="{reverse("account_login")}"' in response.content.decode()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+)", mail.outbox[-1].body).group(1)
    page = client.get(link, follow=True)
    response = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link,
        {"password1": "a-new-long-password-77", "password2": "a-new-long-password-77"},
        follow=True,
    )
    html = response.content.decode()
    assert "Your password has been changed." in html
    assert f'href="{reverse("account_login")}"' in html
    assert "Log in with your new password" in html


def test_a_confirmation_link_clicked_twice_says_already_confirmed(
    client, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data(organisation=organisation.pk, preferred_language="en"))
    path = urlsplit(confirmation_link(mail.outbox[-1])).path
    assert client.post(path).status_code == 302
    client.logout()
    html = client.get(path).content.decode()
    assert "This email address is already confirmed" in html
    assert "expired or is not valid" not in html
    # A link that never worked still says so.
    assert "expired or is not valid" in client.get(reverse("account_confirm_email", args=["nonsense"])).content.decode()


def test_contact_us_names_the_secretariats_address(client, settings):
    settings.PORTAL_CONTACT_EMAIL = "help@secretariat.example"
    for name in ("account_reset_password", "account_reset_password_done", "account_email_verification_sent"):
        html = client.get(reverse(name)).content.decode()
        assert 'href="mailto:help@secretariat.example"' in html, name


@pytest.mark.parametrize(
    ("language", "subject", "phrases", "never"),
    [
        ("fr", "Veuillez confirmer votre adresse e-mail", ["City Managers Community", "ouvrir ce lien"],
         ["Bonjour de"]),
        ("es", "Confirme su dirección de correo electrónico", ["City Managers Community", "abra este enlace"],
         ["vete", "Ve a", " tu ", "¡Hola desde"]),
    ],
)
def test_verification_email_in_french_and_spanish_names_the_portal(
    client, settings, language, subject, phrases, never, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8001"
    organisation = OrganisationFactory(name="Quito")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data(organisation=organisation.pk, preferred_language=language))
    row = OutboxMessage.objects.get(template="account/email_confirmation_signup")
    assert row.language == language
    assert subject in row.subject
    body = delivered_body(row)  # the outbox keeps no personal link once sent: read what was delivered
    for phrase in phrases:
        assert phrase in body, body
    for phrase in never:
        assert phrase not in body, body
    # The portal's name, not the host and port, names the site (the link itself may carry them).
    text_without_links = re.sub(r"https?://\S+", "", body)
    assert "testserver" not in text_without_links and "127.0.0.1" not in text_without_links


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        ("fr", "Réinitialisez votre mot de passe", "portail City Managers Community"),
        ("es", "Restablezca su contraseña", "portal City Managers Community"),
    ],
)
def test_password_reset_email_in_french_and_spanish_names_the_portal(
    client, member, language, subject, phrase, django_capture_on_commit_callbacks
):
    member.preferred_language = language
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    row = OutboxMessage.objects.get(template="account/password_reset_key")
    assert row.language == language
    assert subject in row.subject
    body = delivered_body(row)
    assert phrase in body, body
    assert "Password Reset" not in row.subject


EMAIL_TEMPLATES = [
    "account_already_exists", "email_changed", "email_confirm", "email_confirmation", "email_confirmation_signup",
    "email_deleted", "login_code", "password_changed", "password_reset_code", "password_reset_key",
    "password_reset", "password_set", "unknown_account",
]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("name", EMAIL_TEMPLATES)
def test_every_account_email_names_the_portal_not_the_host(language, name):
    from mailings.rendering import render_message

    context = {
        "site_name": "City Managers Community", "portal_base_url": "https://portal.example",
        "portal_contact_email": "help@secretariat.example",
        "email": "ana@amb.example", "activate_url": "https://portal.example/x/",
        "password_reset_url": "https://portal.example/r/", "signup_url": "https://portal.example/s/",
        "code": "", "from_email": "a@x.example", "to_email": "b@x.example", "deleted_email": "c@x.example",
        "ip": "192.0.2.1", "user_agent": "Firefox", "timestamp": "2020-06-11",
    }
    rendered = render_message(template=f"account/{name}", context=context, language=language)
    subject, body = rendered.subject, rendered.text
    assert subject and subject[0].isupper()
    # Sentence case: after the first word, no capitalised word but the portal's name.
    words = subject.replace("City Managers Community", "").split()[1:]
    assert not [w for w in words if w[0].isupper()], subject
    assert "127.0.0.1" not in body and "{{" not in body and "{%" not in body
    assert "help@secretariat.example" in body


def test_menu_marks_the_current_page(client, member):
    client.force_login(member.user)
    html = client.get(reverse("community:dashboard")).content.decode()
    assert re.search(r'class="nav-link active" aria-current="page" href="/dashboard/"', html)
    html = client.get(reverse("community:profile")).content.decode()
    assert 'aria-current="page" href="/profile/"' in html
    assert 'class="nav-link active" aria-current="page" href="/dashboard/"' not in html


def test_menu_keeps_the_address_in_the_account_menu(client, member):
    client.force_login(member.user)
    html = client.get(reverse("community:dashboard")).content.decode()
    menu = html[html.index('aria-labelledby="account-menu"'):]
    assert member.user.email in menu[: menu.index("</ul>")]
    language_menu = html[html.index('id="language-menu"'):html.index('aria-labelledby="language-menu"')]
    assert "dropdown-menu-end" in language_menu


def test_login_still_works(client, member):
    response = client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    assert response.status_code == 302
