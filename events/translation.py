"""The events' texts in English, French and Spanish (django-modeltranslation, community.translated)."""

from community.translated import register_translated

from .models import Criterion, Event, Session

register_translated(Event, fields=("title", "description", "protocol"))
register_translated(Criterion, fields=("name", "description"))
register_translated(Session, fields=("title", "description"))
