"""The audit log of staff decisions: one API for every app.

A service that takes a decision calls, inside its own transaction::

    audit.record(by, CommunityAction.MEMBER_APPROVED, member, before={"status": "pending"},
                 after={"status": "approved"}, reason="")

Each app declares its actions as ``TextChoices`` (codes ``<object>.<verb>``) and registers them once,
at import of the module that declares them (a higher app: its own ``audit.py``, imported by its
services)::

    class SurveyAction(models.TextChoices):
        DEADLINE_EXTENDED = "portrait.deadline_extended", _("Portrait deadline extended")

    audit.register_actions(SurveyAction)

Entries are read in the admin (Community › Audit log), filtered by action, actor, kind of object and
date; nobody can add, change or delete one there.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

_ACTIONS: dict[str, str] = {}


def register_actions(choices: type[models.TextChoices]) -> None:
    """Make the codes of ``choices`` known (to ``record`` and to the admin's filter)."""
    for value, label in choices.choices:
        if value in _ACTIONS and _ACTIONS[value] != label:
            raise ValueError(f"Audit action {value!r} is already registered with another label.")
        _ACTIONS[value] = label


def actions() -> list[tuple[str, str]]:
    return sorted(_ACTIONS.items(), key=lambda item: str(item[1]))


def action_label(code: str) -> str:
    return _ACTIONS.get(code, code)


def record(actor, action: str, target: models.Model, *, before: dict | None = None, after: dict | None = None,
           reason: str = "") -> AuditEntry:
    """Write one entry: ``actor`` (a user, or None for the system) took ``action`` on ``target``.
    ``before`` and ``after`` hold what changed (JSON-serialisable values: ids, codes, names)."""
    if str(action) not in _ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: register it with register_actions().")
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_repr=str(actor)[:254] if actor is not None else "",
        action=str(action),
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        before=before or {},
        after=after or {},
        reason=reason or "",
    )


class CommunityAction(models.TextChoices):
    MEMBER_APPROVED = "member.approved", _("Membership approved")
    MEMBER_REJECTED = "member.rejected", _("Membership rejected")
    ORGANISATION_CONFIRMED = "organisation.confirmed", _("Organisation confirmed as a member")
    ORGANISATION_MADE_FORMER = "organisation.made_former", _("Organisation marked as a former member")
    ORGANISATION_MERGED = "organisation.merged", _("Organisation merged into another")
    INVITATION_CREATED = "invitation.created", _("Membership invitation sent")
    INVITATION_RESENT = "invitation.resent", _("Membership invitation sent again")
    EDITION_COPIED = "edition.copied", _("Edition started as a copy")


register_actions(CommunityAction)
