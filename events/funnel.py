"""The funnel of an edition, for staff (issue 11, item 8): how many approved members reached each
step, from the portrait to a confirmed place at City Managers Days, and who they are.

Each step is one condition on ``Member`` (EXISTS subqueries, so a member counts once however many
rows stand behind them), always among approved members. The page counts every step in one query,
and the people behind a step are the same condition, so a number and its list always agree.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from community.models import Member, MemberStatus
from surveys.models import PortraitStatus, Respondent

from .models import (
    Application,
    ApplicationStatus,
    Confirmation,
    Decision,
    EventKind,
    Invitation,
    InvitationStatus,
    Rsvp,
)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    description: str


STEPS = [
    Step("approved", _("Approved members"), _("Members whose membership is approved.")),
    Step("portrait", _("Portraits submitted"), _("Respondents of a submitted portrait of the edition's survey.")),
    Step("invited", _("Invited to the webinar"), _("Holding an invitation to a webinar of the edition (not revoked).")),
    Step("rsvp_yes", _("Said yes"), _("Answered yes to a webinar invitation.")),
    Step("attended", _("Attended"), _("Recorded as having attended a webinar of the edition.")),
    Step("applied", _("Applied"), _("Submitted an application for the edition's City Managers Days.")),
    Step("selected", _("Selected"), _("Told they are selected (decision sent).")),
    Step("confirmed", _("Confirmed"), _("Confirmed their place.")),
]
STEP_KEYS = [step.key for step in STEPS]


def conditions(edition) -> dict[str, Q]:
    """Each step's condition on Member, among approved members."""
    webinar = Invitation.objects.filter(member=OuterRef("pk"), event__edition=edition, event__kind=EventKind.WEBINAR)
    active = webinar.filter(status=InvitationStatus.INVITED)
    applications = Application.objects.filter(member=OuterRef("pk"), event__edition=edition,
                                              event__kind=EventKind.IN_PERSON)
    steps = {
        "approved": Q(),
        "portrait": Q(Exists(Respondent.objects.filter(member=OuterRef("pk"), portrait__status=PortraitStatus.SUBMITTED,
                                                       portrait__survey__edition=edition))),
        "invited": Q(Exists(active)),
        "rsvp_yes": Q(Exists(active.filter(rsvp=Rsvp.YES))),
        "attended": Q(Exists(webinar.filter(attended=True))),
        "applied": Q(Exists(applications.filter(status=ApplicationStatus.SUBMITTED))),
        "selected": Q(Exists(applications.filter(decision_sent=Decision.SELECTED))),
        "confirmed": Q(Exists(applications.filter(confirmation=Confirmation.CONFIRMED))),
    }
    return {key: Q(status=MemberStatus.APPROVED) & condition for key, condition in steps.items()}


def funnel_counts(edition) -> list[tuple[Step, int]]:
    """Every step with its number of members: one query."""
    counts = Member.objects.aggregate(**{key: Count("pk", filter=condition)
                                         for key, condition in conditions(edition).items()})
    return [(step, counts[step.key]) for step in STEPS]


def people(edition, key: str) -> QuerySet:
    """The members behind one step, in reading order, with what a list shows."""
    return (Member.objects.filter(conditions(edition)[key]).select_related("user", "organisation")
            .order_by("user__last_name", "user__first_name", "pk"))
