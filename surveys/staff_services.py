"""What staff do from the survey results: remind organisations that have not submitted their portrait.

Kept apart from services.py while the scheduled reminders (issue 9, item 9) are built there in parallel.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from community import audit
from community.models import Member, Organisation
from mailings.models import OutboxMessage
from mailings.services import MailRequest, mail_queue_many

from .models import Portrait, PortraitStatus
from .results import expected_organisations


class ResultsAction(models.TextChoices):
    ORGANISATION_REMINDED = "portrait.reminder_sent", _("Reminded to submit the portrait")


audit.register_actions(ResultsAction)


@dataclass(frozen=True)
class RemindOutcome:
    reminded: list  # organisations whose members were emailed now
    already: list  # organisations already reminded today (a double click): nothing sent again
    skipped: list  # submitted meanwhile, or no approved member: nothing to send
    emails: int  # rows added to the outbox (those of members who turned reminders off are cancelled)


def reminder_dedupe_key(survey, organisation, member, day) -> str:
    return f"portrait-staff-reminder:{survey.pk}:{organisation.pk}:{day:%Y-%m-%d}:{member.pk}"


@transaction.atomic
def portraits_remind(*, survey, organisation_ids, by, now=None) -> RemindOutcome:
    """Email the approved members of each organisation that has not submitted its portrait a reminder
    (non-essential: a member who turned reminders off gets a cancelled row, not an email). At most once
    per survey, organisation and day: a second click the same day adds nothing. Each organisation
    reminded gets an audit entry."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    # Locked, so that two clicks at the same moment do not both pass the "already today" check.
    organisations = list(Organisation.objects.select_for_update().filter(pk__in=list(organisation_ids))
                         .order_by("pk"))
    expected = set(expected_organisations().filter(pk__in=[o.pk for o in organisations])
                   .values_list("pk", flat=True))
    portraits = {p.organisation_id: p for p in Portrait.objects.filter(survey=survey, organisation__in=organisations)}
    members = {}
    for member in Member.objects.approved().filter(organisation__in=organisations).select_related("user"):
        members.setdefault(member.organisation_id, []).append(member)
    keys = {o.pk: [reminder_dedupe_key(survey, o, m, day) for m in members.get(o.pk, [])] for o in organisations}
    sent_before = set(OutboxMessage.objects.filter(dedupe_key__in=[k for ks in keys.values() for k in ks])
                      .values_list("dedupe_key", flat=True))

    reminded, already, skipped, requests = [], [], [], []
    portrait_url = settings.PORTAL_BASE_URL + reverse("surveys:portrait", args=[survey.pk])
    for organisation in organisations:
        portrait = portraits.get(organisation.pk)
        if organisation.pk not in expected or (portrait and portrait.status == PortraitStatus.SUBMITTED):
            skipped.append(organisation)
            continue
        if keys[organisation.pk] and all(key in sent_before for key in keys[organisation.pk]):
            already.append(organisation)
            continue
        reminded.append(organisation)
        closes_at = portrait.closes_at if portrait else survey.closes_at
        for member in members[organisation.pk]:
            with translation.override(member.preferred_language):
                title = str(survey.title)
            requests.append(MailRequest(
                to=member.user.email, template="portrait_staff_reminder",
                context={"first_name": member.user.first_name, "organisation_name": organisation.name,
                         "survey_title": title, "closes_at": closes_at, "started": portrait is not None,
                         "portrait_url": portrait_url},
                dedupe_key=reminder_dedupe_key(survey, organisation, member, day),
                language=member.preferred_language, time_zone=member.time_zone, essential=False,
                cause=f"survey:{survey.pk}"))
    emails = mail_queue_many(requests) if requests else 0
    for organisation in reminded:
        audit.record(by, ResultsAction.ORGANISATION_REMINDED, organisation,
                     after={"survey": survey.pk, "members": len(members[organisation.pk])})
    return RemindOutcome(reminded=reminded, already=already, skipped=skipped, emails=emails)
