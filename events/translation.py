"""The events' texts in English, French and Spanish (django-modeltranslation, community.translated)."""

from community.translated import register_translated

from .models import Event

register_translated(Event, fields=("title", "description"))
