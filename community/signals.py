"""What ``community`` tells the apps above it (surveys, events) when its records change.

A higher app connects a receiver in its ``receivers.py`` (imported from its ``AppConfig.ready``)
and hands straight to its own service; ``community`` never imports it. Every signal is sent by a
service of ``community.services``, with ``sender`` the model class and keyword arguments only.

Two kinds, by when they are sent:

- **in the transaction** (``organisations_merged``, ``edition_copied``,
  ``member_organisation_changed``): the receiver's writes commit or roll back with the change,
  and a receiver that raises undoes the change. Use them to move or copy rows that must stay
  consistent with community's.
- **on commit** (``member_registered``, ``member_approved``, ``member_rejected``): sent once the
  change is committed, with ``send_robust``: a failing receiver is logged (so the secretariat
  hears of it) and never undoes a decision already emailed. Receivers open their own transaction.
"""

from django.dispatch import Signal

member_registered = Signal()
"""Sent on commit when a person's membership is created at sign-up.

Arguments: ``member`` (``Member``, pending, or approved when ``invitation`` is given),
``invitation`` (the ``MembershipInvitation`` used, or ``None``).
"""

member_approved = Signal()
"""Sent on commit after staff approve memberships (one signal per decision, not per member).

Arguments: ``members`` (list of ``Member`` now approved; the skipped ones are not in it),
``by`` (the staff ``User``). E.g. the survey app invites them to the open portrait.
"""

member_rejected = Signal()
"""Sent on commit after staff reject memberships (previously approved ones included).

Arguments: ``members`` (list of ``Member`` now rejected), ``by`` (the staff ``User``),
``reason`` (the text sent to them, maybe empty). E.g. the events app withdraws their invitations.
"""

member_organisation_changed = Signal()
"""Sent in the transaction when staff move one member to another organisation.

Arguments: ``member`` (``Member``, already saved in its new organisation), ``previous`` (the
``Organisation`` it left), ``by`` (the staff ``User`` or ``None``). Merges send
``organisations_merged`` instead.
"""

organisations_merged = Signal()
"""Sent in the transaction of a merge, after the members and invitations moved to ``target`` and
**before** the ``merged`` organisations are deleted: a higher app moves (or merges) its own rows
that point at them (a portrait, its respondents) or the deletion fails on their protected keys.

Arguments: ``target`` (the ``Organisation`` kept), ``merged`` (list of ``Organisation`` about to
be deleted, their primary keys still valid).
"""

edition_copied = Signal()
"""Sent in the transaction of ``edition_copy``, once the new draft edition is saved: a higher app
copies its parts of ``source`` (the survey, the events' settings) into ``edition``.

Arguments: ``source`` (the ``Edition`` copied), ``edition`` (the new draft ``Edition``).
"""

demo_seeded = Signal()
"""Sent in the transaction of ``seed_demo`` (DEBUG only), once community's demo edition, staff and
members exist: a higher app adds its own demo data (the survey and its portraits, the events).

Arguments: ``edition`` (the demo ``Edition``, 2020), ``staff`` (the demo Secretariat ``User``).
"""
