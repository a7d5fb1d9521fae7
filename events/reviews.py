"""City Managers Days: the reviews of the applications, their rules in one place.

- **Who reviews.** A reviewer is an active staff user (``is_staff``, so the staff second factor
  guards them) with ``events.score_review``, i.e. in the "Reviewers" group (``events/migrations/0004``):
  that group has exactly this permission and nothing of the admin.
- **Never their own organisation.** A reviewer whose user has a member profile is never assigned
  an application of that member's organisation (``reviews_assign``), never shown one, and a score
  for one is refused at save (``review_save``), whatever the assignments say.
- **Assignment in bulk, evenly.** ``reviews_assign`` gives each submitted application ``N`` reviewers:
  the most constrained applications first (fewest possible reviewers), each to the least-loaded
  reviewers (ties by user id: deterministic). Re-running adds only what is missing (and the database
  holds one review per reviewer and application). Applications that cannot get ``N`` are reported.
- **Scores.** 1 to 5 on every criterion of the event; ``Review.weighted_score`` = sum(score x
  weight) / sum(weight); ``Application.score`` = the mean of the submitted reviews' weighted scores,
  ``Application.review_count`` their number, both rounded to 2 decimals and written in the same
  transaction as the review, under a row lock on the application (two reviewers saving at once
  cannot lose one another's review in the mean).
- **Until when.** A review can be saved and corrected while the application is submitted and its
  decision has not been sent to the member (``reviews_open``). Once a criterion has been scored,
  the event's criteria keep their weights and no criterion is added (``criteria_locked``): every
  weighted score stays comparable.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import audit
from community.models import Member, User

from .models import Application, ApplicationStatus, Criterion, Decision, Event, EventKind, Review, Score

REVIEWERS_GROUP = "Reviewers"
SCORE_PERMISSION = "events.score_review"
ASSIGN_PERMISSION = "events.assign_reviewers"
# The Reviewers group has exactly these (tests/events/test_days_review_permissions.py holds it to them).
REVIEWER_PERMISSIONS = frozenset({SCORE_PERMISSION})
SCORE_MIN, SCORE_MAX = 1, 5
MAX_PER_APPLICATION = 10
CENTS = Decimal("0.01")


class ReviewAction(models.TextChoices):
    ASSIGNED = "reviews.assigned", gettext_lazy("City Managers Days: reviewers assigned")
    WITHDRAWN = "reviews.withdrawn", gettext_lazy("City Managers Days: reviews withdrawn")
    SCORED = "review.scored", gettext_lazy("City Managers Days: application reviewed")


audit.register_actions(ReviewAction)


# ------------------------------------------------------------------------------ reviewers
def is_reviewer(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff
                and user.has_perm(SCORE_PERMISSION))


def reviewers():
    """Everyone who may be assigned: active staff of the Reviewers group (by email)."""
    return (User.objects.filter(is_active=True, is_staff=True, groups__name=REVIEWERS_GROUP)
            .select_related("member__organisation").order_by("email", "pk").distinct())


def reviewer_organisation_id(user) -> int | None:
    """The organisation of the reviewer's member profile, if they have one."""
    try:
        return user.member.organisation_id
    except ObjectDoesNotExist:
        return None


def reviews_open(application: Application) -> bool:
    return application.status == ApplicationStatus.SUBMITTED and application.decision_sent == Decision.PENDING


def criteria_locked(event: Event) -> bool:
    """Once a criterion is scored, weights stay and no criterion is added (see the module)."""
    return Score.objects.filter(criterion__event=event).exists()


def criterion_check(criterion: Criterion, *, changed: Iterable[str] = ()) -> None:
    """The admin's check before saving a criterion (new, or with ``changed`` fields)."""
    if criterion.event_id and criterion.event.kind != EventKind.IN_PERSON:
        raise ValidationError({"event": _("Criteria are for the in-person days: choose an in-person event.")})
    if criterion.event_id and criteria_locked(criterion.event) and (
            criterion.pk is None or {"weight", "event"} & set(changed)):
        raise ValidationError(_("Reviewers have already scored this event's criteria: no criterion can be added "
                                "nor its weight changed now (names and descriptions can still be corrected)."))


# ------------------------------------------------------------------------------ assignment
@dataclass
class AssignOutcome:
    """What ``reviews_assign`` did: reviews created, the applications left with fewer than asked
    (with how many they have), and each chosen reviewer's load on the event afterwards."""

    created: int = 0
    short: list[tuple[Application, int]] = field(default_factory=list)
    loads: dict[int, int] = field(default_factory=dict)


def _per_application(value) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({"per_application": _("Enter a whole number of reviewers per application.")}) from None
    if not 1 <= number <= MAX_PER_APPLICATION:
        raise ValidationError({"per_application": _("Choose from 1 to %(max)s reviewers per application.")
                               % {"max": MAX_PER_APPLICATION}})
    return number


@transaction.atomic
def reviews_assign(*, event: Event, reviewers: Iterable, per_application, by, now=None) -> AssignOutcome:
    """Give each submitted application (decision not sent yet) ``per_application`` reviewers among
    ``reviewers``, evenly, never one of the applicant's organisation; keeps what is assigned."""
    now = now or timezone.now()
    number = _per_application(per_application)
    if event.kind != EventKind.IN_PERSON:
        raise ValidationError(_("Reviews are for the in-person days: choose an in-person event."))
    chosen = sorted({user.pk: user for user in reviewers if is_reviewer(user)}.values(), key=lambda user: user.pk)
    if not chosen:
        raise ValidationError({"reviewers": _("Choose at least one reviewer (staff of the Reviewers group).")})
    Event.objects.select_for_update().get(pk=event.pk)  # two runs at once: the second waits, then adds nothing
    organisation_of = dict(Member.objects.filter(user__in=chosen).values_list("user_id", "organisation_id"))
    applications = list(
        Application.objects.filter(event=event, status=ApplicationStatus.SUBMITTED, decision_sent=Decision.PENDING)
        .select_related("member__user", "member__organisation").order_by("submitted_at", "pk"))
    assigned = defaultdict(set)
    loads = {user.pk: 0 for user in chosen}
    for application_id, reviewer_id in Review.objects.filter(application__event=event).values_list(
            "application_id", "reviewer_id"):
        assigned[application_id].add(reviewer_id)
        if reviewer_id in loads:
            loads[reviewer_id] += 1

    def candidates(application):
        return [user.pk for user in chosen if user.pk not in assigned[application.pk]
                and organisation_of.get(user.pk) != application.member.organisation_id]

    possible = {application.pk: candidates(application) for application in applications}
    outcome, new = AssignOutcome(), []
    # The most constrained first, so that those with few possible reviewers are served while they are free.
    for application in sorted(applications, key=lambda a: len(possible[a.pk])):
        missing = number - len(assigned[application.pk])
        if missing <= 0:
            continue
        picked = sorted(possible[application.pk], key=lambda pk: (loads[pk], pk))[:missing]
        for reviewer_id in picked:
            new.append(Review(application=application, reviewer_id=reviewer_id, assigned_at=now, assigned_by=by))
            assigned[application.pk].add(reviewer_id)
            loads[reviewer_id] += 1
        if len(assigned[application.pk]) < number:
            outcome.short.append((application, len(assigned[application.pk])))
    Review.objects.bulk_create(new)
    outcome.created, outcome.loads = len(new), loads
    outcome.short.sort(key=lambda item: (item[0].submitted_at, item[0].pk))
    audit.record(by, ReviewAction.ASSIGNED, event, after={
        "per_application": number, "reviewers": [user.pk for user in chosen], "created": len(new),
        "short": [application.pk for application, _count in outcome.short]})
    return outcome


@transaction.atomic
def reviews_withdraw(*, reviews, by) -> int:
    """Take back assignments not reviewed yet (a reviewer who cannot do them; assign again after). A
    submitted review is kept: its scores are in the application's mean. Returns how many were withdrawn;
    one audit entry per event, naming each review's application and reviewer."""
    ids = [getattr(review, "pk", review) for review in reviews]
    open_reviews = list(Review.objects.select_for_update(of=("self",)).select_related("application")
                        .filter(pk__in=ids, submitted_at__isnull=True).order_by("pk"))
    by_event = defaultdict(list)
    for review in open_reviews:
        by_event[review.application.event_id].append(review)
    for event in Event.objects.filter(pk__in=by_event):
        audit.record(by, ReviewAction.WITHDRAWN, event, before={"reviews": [
            {"review": r.pk, "application": r.application_id, "reviewer": r.reviewer_id} for r in by_event[event.pk]]})
    Review.objects.filter(pk__in=[review.pk for review in open_reviews]).delete()
    return len(open_reviews)


# ------------------------------------------------------------------------------ scoring
def weighted_score(values: Mapping[int, int], criteria: Iterable[Criterion]) -> Decimal:
    """sum(score x weight) / sum(weight), to 2 decimals (half up)."""
    criteria = list(criteria)
    total = sum(Decimal(values[c.pk]) * c.weight for c in criteria)
    weights = sum(c.weight for c in criteria)
    return (total / weights).quantize(CENTS, rounding=ROUND_HALF_UP)


def parse_scores(raw: Mapping, criteria: Iterable[Criterion]) -> dict[int, int]:
    """``{criterion id: value}`` from what was posted; every criterion scored, each a whole number
    from 1 to 5, else a ValidationError keyed ``criterion_<id>`` for each wrong one."""
    values, errors = {}, {}
    for criterion in criteria:
        value = raw.get(criterion.pk)
        text = "" if value is None else str(value).strip()
        if not text:
            errors[f"criterion_{criterion.pk}"] = _("Score this criterion, from 1 to 5.")
            continue
        try:
            number = int(text)
        except ValueError:
            errors[f"criterion_{criterion.pk}"] = _("Enter a whole number from 1 to 5, not “%(value)s”.") % {
                "value": text[:20]}
            continue
        if not SCORE_MIN <= number <= SCORE_MAX:
            errors[f"criterion_{criterion.pk}"] = _("A score is from 1 to 5, not %(value)s.") % {"value": number}
            continue
        values[criterion.pk] = number
    if errors:
        raise ValidationError(errors)
    return values


def review_check_reader(review: Review, user) -> None:
    """May ``user`` see this review's application? Their own assignment, not their organisation."""
    if not is_reviewer(user) or review.reviewer_id != user.pk:
        raise PermissionDenied(_("This application is not assigned to you."))
    if reviewer_organisation_id(user) == review.application.member.organisation_id:
        raise PermissionDenied(_("This application is from your own organisation: you cannot review it."))


def application_scores_update(application: Application) -> Application:
    """Application.score (mean of the submitted weighted scores, 2 decimals) and review_count, from
    the database. The caller holds the application's row lock."""
    totals = Review.objects.filter(application=application, submitted_at__isnull=False).aggregate(
        total=Sum("weighted_score"), count=Count("pk"))
    count = totals["count"]
    application.review_count = count
    application.score = ((Decimal(totals["total"]).quantize(CENTS) / count).quantize(CENTS, rounding=ROUND_HALF_UP)
                         if count else None)
    application.save(update_fields=["score", "review_count"])
    return application


@transaction.atomic
def review_save(*, review, scores: Mapping, comment: str = "", by, now=None) -> Review:
    """Save the reviewer's scores and comment (every criterion, 1 to 5), the review's weighted
    score and the application's mean and count, under the application's row lock."""
    now = now or timezone.now()
    pk = getattr(review, "pk", review)
    application_id = Review.objects.filter(pk=pk).values_list("application_id", flat=True).first()
    if application_id is None:
        raise PermissionDenied(_("This application is not assigned to you."))
    application = (Application.objects.select_for_update(of=("self",)).select_related("member", "event")
                   .get(pk=application_id))
    review = Review.objects.get(pk=pk)
    review.application = application
    review_check_reader(review, by)  # again here, whatever the view checked
    if not reviews_open(application):
        raise ValidationError(_("Reviews of this application are closed: it was withdrawn, or its decision "
                                "has been sent."))
    criteria = list(application.event.criteria.all())
    if not criteria:
        raise ValidationError(_("No review criteria are set for this event yet: ask the secretariat."))
    values = parse_scores(scores, criteria)
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise ValidationError({"comment": _("Keep the comment under 5,000 characters.")})
    existing = {score.criterion_id: score for score in review.scores.all()}
    changed = []
    for criterion in criteria:
        score = existing.get(criterion.pk)
        if score is not None and score.value != values[criterion.pk]:
            score.value = values[criterion.pk]
            changed.append(score)
    Score.objects.bulk_update(changed, ["value"])
    Score.objects.bulk_create([Score(review=review, criterion_id=pk, value=value)
                               for pk, value in values.items() if pk not in existing])
    review.comment, review.weighted_score = comment, weighted_score(values, criteria)
    review.submitted_at = review.submitted_at or now
    review.save(update_fields=["comment", "weighted_score", "submitted_at"])
    application_scores_update(application)
    audit.record(by, ReviewAction.SCORED, review, after={
        "scores": {str(pk): value for pk, value in values.items()}, "weighted_score": str(review.weighted_score)})
    return review


# ------------------------------------------------------------------------------ reads
def my_reviews(user):
    """The reviewer's assignments (one query), their own organisation's left out; newest event first."""
    organisation_id = reviewer_organisation_id(user)
    reviews = (Review.objects.filter(reviewer=user)
               .select_related("application__event", "application__member__user",
                               "application__member__organisation")
               .order_by("-application__event__starts_at", "submitted_at", "application__submitted_at", "pk"))
    if organisation_id is not None:
        reviews = reviews.exclude(application__member__organisation_id=organisation_id)
    return reviews


class ReviewState(models.TextChoices):
    TO_DO = "to_do", gettext_lazy("To score")
    SCORED = "scored", gettext_lazy("Scored (can be corrected)")
    CLOSED = "closed", gettext_lazy("Closed")


def review_state(review: Review) -> str:
    if not reviews_open(review.application):
        return ReviewState.CLOSED
    return ReviewState.SCORED if review.submitted_at else ReviewState.TO_DO


def review_loads(event: Event) -> dict[int, dict[str, int]]:
    """Per reviewer on this event: assigned and scored (one query)."""
    rows = (Review.objects.filter(application__event=event).values("reviewer_id")
            .annotate(assigned=Count("pk"), scored=Count("pk", filter=Q(submitted_at__isnull=False))))
    return {row["reviewer_id"]: {"assigned": row["assigned"], "scored": row["scored"]} for row in rows}
