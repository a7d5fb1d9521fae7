"""The one way the portal sends email."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from .rendering import render_message


def mail_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str = "en",
    time_zone: str = "UTC",
    dedupe_key: str,
) -> None:
    """Render the message now (in the recipient's language) and send it once the caller commits.

    Nothing is sent when the caller's transaction rolls back.
    """
    message = render_message(template=template, context=context, language=language, time_zone=time_zone)

    def send():
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={"X-Portal-Dedupe-Key": dedupe_key},
        )
        email.attach_alternative(message.html, "text/html")
        email.send()

    transaction.on_commit(send)
