"""Translated content: the texts staff type, in English, French and Spanish, English the fallback.

django-modeltranslation adds one column per language (``theme_en``, ``theme_fr``, ``theme_es``) beside
the field: reading ``edition.theme`` gives the active language's text, or the English one when it is
blank; no join, so a list costs the same queries whatever the number of languages.

The one way every app registers its texts, in its own ``translation.py`` (found at start-up)::

    from community.translated import register_translated
    register_translated(Question, fields=("text", "help_text"))

and its admin gets the per-language fields, a "Missing translations" column and filter::

    class QuestionAdmin(TranslatedAdmin): ...             # a changelist
    class ChoiceInline(TranslatedTabularInline): ...      # an inline (sections, choices)
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import build_localized_fieldname

SOURCE_LANGUAGE = "en"  # required, and what a missing translation falls back to (settings: MODELTRANSLATION_*)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def register_translated(model, *, fields) -> None:
    """Give each of ``fields`` a column per language; English keeps the field's own ``blank``
    (a required field is required in English only)."""
    options = type(
        f"{model.__name__}TranslationOptions",
        (TranslationOptions,),
        {"fields": tuple(fields), "required_languages": (SOURCE_LANGUAGE,)},
    )
    translator.register(model, options)


def translated_fields(model) -> tuple[str, ...]:
    return tuple(translator.get_options_for_model(model).get_field_names())


def localized(field: str, language: str) -> str:
    return build_localized_fieldname(field, language)


def translation_values(obj) -> dict[str, object]:
    """Every language column of ``obj`` (e.g. to copy it), keyed by column name."""
    return {
        localized(field, language): getattr(obj, localized(field, language))
        for field in translated_fields(type(obj))
        for language in languages()
    }


def all_language_columns(*fields: str) -> list[str]:
    """``("theme",)`` -> ``["theme_en", "theme_fr", "theme_es"]``, e.g. to search every language."""
    return [localized(field, language) for field in fields for language in languages()]


def missing_languages(obj) -> list[str]:
    """Languages (other than English) in which a text written in English has no translation.
    Reads only the loaded columns: no query."""
    missing = []
    for language in languages():
        if language == SOURCE_LANGUAGE:
            continue
        for field in translated_fields(type(obj)):
            if getattr(obj, localized(field, SOURCE_LANGUAGE)) and not getattr(obj, localized(field, language)):
                missing.append(language)
                break
    return missing


def missing_languages_q(model, language: str) -> Q:
    """Rows where some text written in English is blank in ``language`` (the database's version of
    ``missing_languages``)."""
    query = Q()
    for field in translated_fields(model):
        source, target = localized(field, SOURCE_LANGUAGE), localized(field, language)
        written = Q(**{f"{source}__isnull": False}) & ~Q(**{source: ""})
        query |= written & (Q(**{f"{target}__isnull": True}) | Q(**{target: ""}))
    return query


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("missing translation")
    parameter_name = "missing_translation"

    def lookups(self, request, model_admin):
        names = dict(settings.LANGUAGES)
        return [(code, names[code]) for code in languages() if code != SOURCE_LANGUAGE]

    def queryset(self, request, queryset):
        if self.value() in languages() and self.value() != SOURCE_LANGUAGE:
            return queryset.filter(missing_languages_q(queryset.model, self.value()))
        return queryset


class TranslatedAdmin(TranslationAdmin):
    """A ModelAdmin of a registered model: the language columns of each text grouped in one
    fieldset (no tabs: they need jQuery UI from a CDN and inline script, which the CSP forbids),
    and a "Missing translations" column and filter on the changelist."""

    group_fieldsets = True

    def get_list_display(self, request):
        return [*super().get_list_display(request), "missing_translations"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), MissingTranslationFilter]

    @admin.display(description=_("missing translations"))
    def missing_translations(self, obj):
        missing = missing_languages(obj)
        if not missing:
            return "—"
        return ", ".join(_("%(language)s missing") % {"language": code.upper()} for code in missing)


class TranslatedTabularInline(TranslationTabularInline):
    """An inline of a registered model (e.g. a question's choices): one column per language."""


class TranslatedStackedInline(TranslationStackedInline):
    """A stacked inline of a registered model (e.g. a survey's sections)."""
