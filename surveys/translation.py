"""The survey's texts in English, French and Spanish (django-modeltranslation, community.translated)."""

from community.translated import register_translated

from .models import Choice, Question, Section, Survey

register_translated(Survey, fields=("title", "introduction"))
register_translated(Section, fields=("title", "introduction"))
register_translated(Question, fields=("text", "help_text", "scale_min_label", "scale_max_label", "unit"))
register_translated(Choice, fields=("text",))
