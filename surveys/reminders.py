"""The portrait's emails on a schedule (Celery beat runs ``surveys.tasks.send_portrait_reminders``).

- **Opening announcement**, once per survey, when it has opened (and until it closes): to every approved
  member of an organisation that has not submitted yet. It is *essential*: it is the invitation to the
  year's step that leads to the webinar, sent once a year (the README counts invitations as essential).
- **Closing reminders**, 7 days and 1 day before the organisation's deadline (the survey's, or the later
  one staff granted it): to approved members of organisations without a submitted portrait. They are
  *not essential*: a member who turned reminders off gets none (the outbox records them as cancelled).

Each email has a dedupe key, so running the task twice (or on two beat hosts) sends nothing twice:
``portrait-opening:<survey>:<member>``, ``portrait-closing:<survey>:<days>:<member>``. Only the
reminder due now is sent: a member reached for the first time on the last day gets the 1-day
reminder, not the 7-day one too. Emails are in the member's language, dates in the member's zone.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from community.models import EditionStatus, Member
from mailings.services import MailRequest, mail_queue_many

from .models import Portrait, PortraitStatus, Survey

CLOSING_REMINDER_DAYS = (7, 1)


def _titles(survey) -> dict[str, str]:
    """The survey's title in each language (modeltranslation falls back to English)."""
    titles = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            titles[language] = str(survey.title)
    return titles


def _portrait_url(survey) -> str:
    return settings.PORTAL_BASE_URL + reverse("surveys:portrait", args=[survey.pk])


def _members_to_write(survey):
    """(member id, organisation id, organisation name, email, first name, language, zone) of every
    approved member of an organisation without a submitted portrait of the survey (1 query)."""
    submitted = Portrait.objects.filter(survey=survey, status=PortraitStatus.SUBMITTED).values("organisation_id")
    return (Member.objects.approved().exclude(organisation_id__in=submitted)
            .order_by("pk")
            .values_list("pk", "organisation_id", "organisation__name", "user__email", "user__first_name",
                         "preferred_language", "time_zone"))


def _request(survey, row, *, template, dedupe_key, essential, titles, url, **context):
    member_id, _organisation_id, organisation_name, email, first_name, language, zone = row
    return MailRequest(
        to=email, template=template, dedupe_key=dedupe_key, language=language, time_zone=zone, essential=essential,
        cause=f"survey:{survey.pk}",
        context={"first_name": first_name, "organisation_name": organisation_name,
                 "survey_title": titles.get(language, titles["en"]), "portrait_url": url, **context},
    )


# ------------------------------------------------------------------------------ opening
def opening_announcements_send(*, now=None) -> int:
    """Announce every survey that has opened, is not closed and was not announced yet. Returns the
    number of emails queued."""
    now = now or timezone.now()
    due = (Survey.objects.filter(opening_announced_at__isnull=True, opens_at__lte=now, closes_at__gt=now)
           .exclude(edition__status=EditionStatus.DRAFT).values_list("pk", flat=True))
    return sum(_announce(survey_id, now) for survey_id in list(due))


@transaction.atomic
def _announce(survey_id: int, now) -> int:
    # The row lock makes a second run wait, then find the survey announced.
    survey = Survey.objects.select_for_update().filter(pk=survey_id, opening_announced_at__isnull=True).first()
    if survey is None:
        return 0
    titles, url = _titles(survey), _portrait_url(survey)
    requests = [
        _request(survey, row, template="portrait_opening", dedupe_key=f"portrait-opening:{survey.pk}:{row[0]}",
                 essential=True, titles=titles, url=url, closes_at=survey.closes_at, opens_at=survey.opens_at)
        for row in _members_to_write(survey)
    ]
    queued = mail_queue_many(requests) if requests else 0
    survey.opening_announced_at = now
    survey.save(update_fields=["opening_announced_at"])
    return queued


# ------------------------------------------------------------------------------ closing
def reminder_due(deadline, now, days=CLOSING_REMINDER_DAYS) -> int | None:
    """The reminder due at ``now`` for this deadline: the smallest number of days ``d`` such that
    ``deadline - d days <= now < deadline``; None when none is due."""
    for count in sorted(days):
        if deadline - timedelta(days=count) <= now < deadline:
            return count
    return None


def closing_reminders_send(*, now=None) -> int:
    """Queue the closing reminders due now, for every open survey. Returns the number queued."""
    now = now or timezone.now()
    # An organisation's deadline is the survey's or a later one: while the survey's own deadline is
    # more than 7 days away, no reminder is due. After it, only organisations with an extension remain.
    surveys = (Survey.objects.filter(opens_at__lte=now, closes_at__lte=now + timedelta(days=max(CLOSING_REMINDER_DAYS)))
               .filter(Q(closes_at__gt=now) | Q(portraits__deadline_extended_until__gt=now))
               .exclude(edition__status=EditionStatus.DRAFT).distinct())
    return sum(_remind(survey, now) for survey in surveys)


def _remind(survey, now) -> int:
    extended = dict(Portrait.objects.filter(survey=survey, deadline_extended_until__gt=survey.closes_at)
                    .values_list("organisation_id", "deadline_extended_until"))
    titles, url = _titles(survey), _portrait_url(survey)
    requests = []
    for row in _members_to_write(survey):
        deadline = extended.get(row[1], survey.closes_at)
        days = reminder_due(deadline, now)
        if days is None:
            continue
        requests.append(_request(
            survey, row, template="portrait_closing", dedupe_key=f"portrait-closing:{survey.pk}:{days}:{row[0]}",
            essential=False, titles=titles, url=url, closes_at=deadline, days=days))
    if not requests:
        return 0
    with transaction.atomic():
        return mail_queue_many(requests)
