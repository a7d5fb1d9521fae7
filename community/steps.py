"""The member's dashboard steps: a registry that each app fills in its ``AppConfig.ready``.

``community`` shows the steps but knows only its own (the profile, while incomplete); the survey and events
apps add theirs with ``register(MyStep())``. A step computes its state for a list of members in a
constant number of queries (``for_members``), so the dashboard, and any staff list that shows
steps, costs the same whatever the number of members.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from . import timezones


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CLOSED = "closed", _("Closed")  # the date passed without it being done
    LOCKED = "locked", _("Not yet open to you")  # an earlier step is not done


@dataclass(frozen=True)
class StepState:
    """Where one member stands on one step. ``date`` (aware) is shown in the member's zone."""

    status: StepStatus
    date: datetime | None = None
    url: str = ""  # only when the member can act on it now
    detail: str = ""

    def __post_init__(self):
        object.__setattr__(self, "status", StepStatus(self.status))  # "done" works too; a typo fails here


class Step:
    """One step of a member's year. Subclass, set ``key``, ``order`` and ``title``, and implement
    ``state`` (simple) or ``for_members`` (a constant number of queries for many members)."""

    key: str = ""
    order: int = 0  # community's step is 20; surveys 100s, events 200s
    title: str = ""
    description: str = ""

    def for_members(self, members, edition) -> dict:
        """``{member.pk: StepState}``; a member left out does not see the step (e.g. no edition)."""
        return {member.pk: state for member in members if (state := self.state(member, edition)) is not None}

    def state(self, member, edition) -> StepState | None:
        raise NotImplementedError


_registry: dict[str, Step] = {}


def register(step: Step) -> Step:
    if not step.key:
        raise ImproperlyConfigured(f"{step!r} has no key.")
    if step.key in _registry and type(_registry[step.key]) is not type(step):
        raise ImproperlyConfigured(f"Two dashboard steps have the key {step.key!r}.")
    _registry[step.key] = step
    return step


def unregister(key: str) -> None:
    _registry.pop(key, None)


def registered() -> list[Step]:
    return sorted(_registry.values(), key=lambda step: (step.order, step.key))


@dataclass(frozen=True)
class MemberStep:
    step: Step
    state: StepState

    @property
    def title(self):
        return self.step.title

    @property
    def description(self):
        return self.step.description

    @property
    def done(self):
        return self.state.status == StepStatus.DONE

    @property
    def link(self):
        """The step's page, when the member can act on it or look at what they did: not before it opens."""
        return "" if self.state.status == StepStatus.LOCKED else self.state.url

    @property
    def when(self):
        """The step's date in words, in the member's zone: "Opens 11 June at midnight"."""
        date = self.state.date
        if date is None:
            return ""
        this_year = timezone.localtime(timezone.now(), date.tzinfo).year if date.tzinfo else date.year
        day = formats.date_format(date, "MONTH_DAY_FORMAT" if date.year == this_year else "DATE_FORMAT")
        values = {"day": day, "time": formats.time_format(date, "TIME_FORMAT")}
        return DATE_PHRASES[self.state.status] % values


DATE_PHRASES = {
    StepStatus.LOCKED: _("Opens %(day)s at %(time)s"),
    StepStatus.NOT_STARTED: _("Open until %(day)s at %(time)s"),
    StepStatus.IN_PROGRESS: _("Open until %(day)s at %(time)s"),
    StepStatus.DONE: _("Done on %(day)s at %(time)s"),
    StepStatus.CLOSED: _("Closed on %(day)s at %(time)s"),
}


def member_steps(*, member, edition) -> list[MemberStep]:
    """The registered steps for one member, in order, their dates in the member's time zone."""
    return members_steps(members=[member], edition=edition)[member.pk]


def members_steps(*, members, edition) -> dict[int, list[MemberStep]]:
    members = list(members)
    result = {member.pk: [] for member in members}
    zones = {member.pk: timezones.zone(member.time_zone) for member in members}
    for step in registered():
        states = step.for_members(members, edition)
        for member in members:
            state = states.get(member.pk)
            if state is None:
                continue
            if state.date is not None and timezone.is_aware(state.date):
                state = StepState(state.status, timezone.localtime(state.date, zones[member.pk]), state.url,
                                  state.detail)
            result[member.pk].append(MemberStep(step, state))
    return result


# ------------------------------------------------------------------------------ community's own
# No "join the community" step: only approved members see the dashboard, so it would always be done.
class ProfileStep(Step):
    key = "community.profile"
    order = 20
    title = _("Complete your profile")
    description = _("Your job title, language and time zone tell us how to reach you.")

    def state(self, member, edition):
        """Shown only while something is missing (sign-up asks for all of it, an import may not)."""
        # Reads only the member and its user, which the caller loads with it: no query.
        if member.job_title and member.user.first_name and member.user.last_name:
            return None
        return StepState(StepStatus.IN_PROGRESS, url=reverse("community:profile"),
                         detail=_("Add your name and job title."))
