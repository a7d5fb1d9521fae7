"""What a spreadsheet written by a person holds, read into the portal's values (issue 8, item 3).

The import widgets accept the code *or* the label in English, French or Spanish ("PT", "Portugal",
"Portugal"; "europe", "Europe", "Europa"; "city", "City", "Ville", "Ciudad"), numbers written with
any grouping ("1,700,000", "1.700.000", "1 700 000"), and a website without ``https://`` (as the
sign-up form). Each refusal says in plain words what was found and what is expected: it is shown
on the import page next to the row.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries
from import_export.widgets import CharWidget, ForeignKeyWidget, IntegerWidget, Widget

from portal.numbers import grouped

# Spaces of every kind a spreadsheet or a French locale puts between thousands, and the marks.
GROUPING = re.compile(r"[\s\u00a0\u202f,.'’_]")
# A whole number grouped by threes, one separator throughout: 1,700,000 · 1.700.000 · 1 700 000.
GROUPED_WHOLE = re.compile(r"\d{1,3}(?:(?P<sep>[\s\u00a0\u202f,.'’_])\d{3})(?:(?P=sep)\d{3})*")


def normalise(text) -> str:
    """ "Área metropolitana" and "area METROPOLITANA" compare equal: no accents, no case, one space."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().replace("-", " ").split())


def _labels_in_every_language(choices):
    """{normalised label or code: code} for the labels in each of the portal's languages."""
    known = {}
    for code, label in choices:
        known[normalise(code)] = code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                known.setdefault(normalise(str(label)), code)
    return known


def _labels_now(choices) -> str:
    return ", ".join(str(label) for _code, label in choices)


class LabelChoiceWidget(Widget):
    """A choice written as its code or its label in any of the portal's languages."""

    def __init__(self, choices, *, extra=None, **kwargs):
        self.choices = list(choices)
        self.extra = extra or {}  # more names: e.g. the languages' own ("Français", "Español")
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return ""
        known = {**_labels_in_every_language(self.choices), **{normalise(k): v for k, v in self.extra.items()}}
        code = known.get(normalise(value))
        if code is None:
            raise ValueError(_("“%(value)s” is not one of: %(choices)s.")
                             % {"value": value, "choices": _labels_now(self.choices)})
        return code

    def label(self, value):
        return dict(self.choices).get(value, value)


class CountryWidget(Widget):
    """A country as its name (English, French or Spanish) or its two-letter code."""

    _names: dict = {}

    @classmethod
    def names(cls):
        if not cls._names:
            names = {}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    for code, name in countries:
                        names.setdefault(normalise(name), code)
            cls._names = names
        return cls._names

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return ""
        text = str(value).strip()
        if len(text) == 2 and text.upper() in countries:
            return text.upper()
        code = self.names().get(normalise(text))
        if code is None:
            raise ValueError(_("“%(value)s” is not a country we know: write its name (e.g. Portugal) or its "
                               "two-letter code (PT).") % {"value": value})
        return code

    def render(self, value, obj=None, **kwargs):
        return str(getattr(value, "code", value) or "")

    def label(self, value):
        return countries.name(str(getattr(value, "code", value) or "")) or ""


class GroupedIntegerWidget(IntegerWidget):
    """A whole number written as 1700000, 1,700,000, 1.700.000 or 1 700 000."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer() and value >= 0:
            return int(value)  # an XLSX cell holds the number itself
        text = str(value).strip()
        digits = GROUPING.sub("", text)
        # Separators only between groups of three: "3,3" or "12,5" is a decimal, not 33 or 125.
        grouped_well = text.isdigit() or GROUPED_WHOLE.fullmatch(text) is not None
        if not grouped_well or not digits.isdigit() or len(digits) > 18:
            raise ValueError(_("“%(value)s” is not a whole number: write it as 1700000, 1,700,000 or "
                               "1 700 000.") % {"value": value})
        return int(digits)

    def label(self, value):
        return grouped(value)


class WebsiteWidget(CharWidget):
    """A website as the sign-up form takes it: "amb.cat" means https://amb.cat."""

    def clean(self, value, row=None, **kwargs):
        text = (super().clean(value, row, **kwargs) or "").strip()
        if not text:
            return ""
        if "://" not in text:
            text = f"https://{text}"
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise ValueError(_("“%(value)s” is not a website address (e.g. www.lisboa.pt).")
                             % {"value": value}) from None
        return text


class OrganisationByNameWidget(ForeignKeyWidget):
    """An organisation by its name, in any case and with or without accents."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        wanted = normalise(value)
        matches = [o for o in self.get_queryset(value, row, **kwargs) if normalise(o.name) == wanted]
        if len(matches) != 1:
            raise ValueError(_("No organisation is called “%(value)s”: write its name as in Community › "
                               "Organisations.") % {"value": value} if not matches else
                             _("Several organisations are called “%(value)s”: rename one of them first.")
                             % {"value": value})
        return matches[0]


def language_widget():
    """English / French / Spanish in any language, and each language's own name."""
    return LabelChoiceWidget(settings.LANGUAGES, extra={"Français": "fr", "Francais": "fr", "Español": "es",
                                                        "Espanol": "es", "Inglés": "en", "Anglais": "en"})
