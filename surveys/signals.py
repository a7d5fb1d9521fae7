"""What ``surveys`` tells the apps above it (events) about portraits; ``surveys`` never imports them.

Sent on commit with ``send_robust`` by ``surveys.services``: a failing receiver is logged and never
undoes the member's submission. Receivers open their own transaction. ``sender`` is the model class.
"""

from django.dispatch import Signal

portrait_submitted = Signal()
"""Sent on commit each time a portrait is submitted (again after edits too).

Arguments: ``portrait`` (``Portrait``, submitted), ``member`` (the ``Member`` who submitted).
E.g. the events app invites its respondents to the webinar.
"""

portrait_reopened = Signal()
"""Sent on commit when staff set a submitted portrait back to draft.

Arguments: ``portrait`` (``Portrait``, now a draft), ``by`` (the staff ``User``).
"""

respondent_added = Signal()
"""Sent on commit when a member saves their first answer of a portrait (becomes a respondent).

Arguments: ``portrait`` (``Portrait``), ``member`` (the new respondent ``Member``).
"""
