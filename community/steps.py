"""The member's dashboard steps: a registry that each app fills in its ``AppConfig.ready``.

``community`` shows the steps but knows only its own (the profile, while incomplete); the survey and events
apps add theirs with ``register(MyStep())``. A step computes its state for a list of members in a
constant number of queries (``for_members``), so the dashboard, and any staff list that shows
steps, costs the same whatever the number of members.

A step that names the models it reads (``depends_on``) has its states cached per member, edition,
language and time zone: computing them (three queries a step, mostly spent compiling EXISTS
subqueries) was most of the dashboard's time. A cached state is dropped

- when any row of those models is written: their saves and deletes (signals) and their bulk writes
  (``WatchedQuerySet``: ``update``, ``bulk_create``, ``bulk_update`` send no signal), which change one
  shared generation;
- when its moment passes: a state is kept only until its ``date`` or ``changes_at`` if that is ahead
  (a survey opening, a deadline), and never used at a time before it was computed;
- after ``STEPS_CACHE_SECONDS`` in any case.
"""

import dataclasses
import zlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.generations import Generation
from portal.querysets import BulkWriteHookQuerySet

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
    # When the state changes by the clock alone, if that is not ``date`` (e.g. the webinar ends): the
    # cache keeps it until then.
    changes_at: datetime | None = None

    def __post_init__(self):
        object.__setattr__(self, "status", StepStatus(self.status))  # "done" works too; a typo fails here


class Step:
    """One step of a member's year. Subclass, set ``key``, ``order`` and ``title``, and implement
    ``state`` (simple) or ``for_members`` (a constant number of queries for many members)."""

    key: str = ""
    order: int = 0  # community's step is 20; surveys 100s, events 200s
    title: str = ""
    description: str = ""
    # The models whose rows ``for_members`` reads (besides the member): naming them caches the states;
    # each must use a ``WatchedQuerySet`` (checked by ``register``). Empty: computed on each request.
    depends_on: tuple = ()

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
    for model in step.depends_on:
        if not isinstance(model._default_manager.all(), WatchedQuerySet):
            raise ImproperlyConfigured(f"{step.key}: {model._meta.label} must use a WatchedQuerySet (its bulk "
                                       "writes would leave the cached states stale).")
        post_save.connect(_row_written, sender=model, dispatch_uid=f"steps-{model._meta.label}-saved")
        post_delete.connect(_row_written, sender=model, dispatch_uid=f"steps-{model._meta.label}-deleted")
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
        if self.state.status == StepStatus.DONE and date > timezone.now():
            # Done ahead of its date (a yes to a webinar still to come): not "Done on" a future day.
            return _("On %(day)s at %(time)s") % values
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
    cached = _cached_states(members, edition)
    for step in registered():
        states = cached[step.key] if step.depends_on else step.for_members(members, edition)
        for member in members:
            state = states.get(member.pk)
            if state is None:
                continue
            if state.date is not None and timezone.is_aware(state.date):
                state = StepState(state.status, timezone.localtime(state.date, zones[member.pk]), state.url,
                                  state.detail)
            result[member.pk].append(MemberStep(step, state))
    return result


# ------------------------------------------------------------------------------ the cache
GENERATION = Generation("portal:steps:generation")
ENTRY_FORMAT = 2  # raise it when an entry's layout changes


class WatchedQuerySet(BulkWriteHookQuerySet):
    """For the models a cached step reads: their bulk writes, which send no signal, drop the cached
    states too (saves and deletes do through the signals ``register`` connects)."""

    def bulk_written(self):
        states_changed()


def states_changed() -> None:
    """Forget every member's cached step states: now (this transaction's own reads) and again once it
    commits (a request that read the old rows meanwhile may have cached them)."""
    GENERATION.renew()


def _row_written(sender, **kwargs):
    states_changed()


def _format() -> str:
    # Entries written by another version of the code (a deploy that changed StepState) are never read.
    names = ",".join(field.name for field in dataclasses.fields(StepState))
    return f"{ENTRY_FORMAT}.{zlib.crc32(names.encode()):x}"


def _state_key(edition, member) -> str:
    # The generation is in the entry, not the key: one round trip reads both.
    return (f"portal:steps:{_format()}:{edition.pk if edition else 0}:{member.pk}:{member.status}:"
            f"{member.organisation_id}:{translation.get_language()}:{member.time_zone}")


def _valid_until(states: dict, now: datetime) -> float:
    """The moment (a timestamp) the first of these states changes by the clock, at most the cache's life."""
    until = now.timestamp() + settings.STEPS_CACHE_SECONDS
    for state in states.values():
        for moment in (state.date, state.changes_at):
            if moment is not None and moment > now:
                until = min(until, moment.timestamp())
    return until


def _cached_states(members, edition) -> dict[str, dict]:
    """``{step key: {member pk: StepState}}`` of the cached steps, computing (for all the members who
    were not cached, at once) only what is missing."""
    cached_steps = [step for step in registered() if step.depends_on]
    result = {step.key: {} for step in cached_steps}
    if not cached_steps or not members:
        return result
    now = timezone.now()
    stamp = now.timestamp()
    step_keys = tuple(step.key for step in cached_steps)  # an entry from before a step was registered is stale
    keys = {member.pk: _state_key(edition, member) for member in members}
    found = cache.get_many([GENERATION.key, *keys.values()])
    generation = GENERATION.current(found)
    missing = []
    for member in members:
        entry = found.get(keys[member.pk])
        # Of this generation, computed before now and still true now (a test, or a clock, may go either way).
        if not (isinstance(entry, dict) and entry.get("generation") == generation and entry.get("steps") == step_keys
                and entry["computed"] <= stamp < entry["until"]):
            missing.append(member)
            continue
        for step_key, state in entry["states"].items():
            if step_key in result:
                result[step_key][member.pk] = state
    if not missing:
        return result
    computed = {step.key: step.for_members(missing, edition) for step in cached_steps}
    entries = {}
    for member in missing:
        states = {key: states[member.pk] for key, states in computed.items() if member.pk in states}
        until = _valid_until(states, now)
        entries[keys[member.pk]] = {"generation": generation, "steps": step_keys, "computed": stamp, "until": until,
                                    "states": states}
        for key, state in states.items():
            result[key][member.pk] = state
    cache.set_many(entries, settings.STEPS_CACHE_SECONDS)  # each entry's "until" is checked when read
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
