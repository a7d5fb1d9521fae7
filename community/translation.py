"""Which model fields staff write in English, French and Spanish (django-modeltranslation finds
this module in every app). Higher apps register theirs the same way, in their own translation.py."""

from .models import Edition
from .translated import register_translated

register_translated(Edition, fields=("theme", "description"))
