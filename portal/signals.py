"""Signals of the site-wide layer, for the apps above it (portal imports none of them).

page_language_switched
    Sent by the language switch (``portal.views.set_language``) after a valid language was picked,
    before the redirect is returned. Arguments: ``request`` (its ``messages`` can still be added to)
    and ``language`` (one of ``settings.LANGUAGES``' codes). community tells a member whose emails
    stay in another language.
"""

from django.dispatch import Signal

page_language_switched = Signal()
