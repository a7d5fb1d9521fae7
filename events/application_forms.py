"""The member's forms for City Managers Days: the application and the confirmation of a place. They
read what was typed (numbers, amounts, dates) and say so when it cannot be read; the rules on the
values (nights within the event's dates, what a submission needs) are in ``events.applications``."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from . import days
from .applications import event_window

# A separator followed by exactly three digits groups thousands ("1,500", "1.500", "1 500"); cents
# have one or two digits. Anything else goes to ``events.days.to_euros``, which reads "450,50" too.
GROUPED = re.compile(r"(\d{1,3}(?:[,.']\d{3})+)(?:[.,](\d{1,2}))?")


def parse_euros(raw: str):
    """An amount as people type it, or None when blank; a clear error for anything else."""
    text = re.sub(r"\s|EUR|€", "", raw or "", flags=re.IGNORECASE)
    if not text:
        return None
    if match := GROUPED.fullmatch(text):
        text = re.sub(r"\D", "", match.group(1)) + (f".{match.group(2)}" if match.group(2) else "")
    return days.to_euros(text)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_bounds(field, first, last):
    field.widget.attrs.update({"min": first.isoformat(), "max": last.isoformat()})


class ApplicationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Why do you want to take part?"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}))
    contribution = forms.CharField(
        label=_("What will you contribute?"), required=False, max_length=5000,
        help_text=_("An experience, a project or a question your city could share with the others."),
        widget=forms.Textarea(attrs={"rows": 5}))
    topics = forms.CharField(
        label=_("Topics you want to discuss"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}))
    expo_pass_wanted = forms.BooleanField(label=_("I would like an expo full pass"), required=False)
    travel_support_wanted = forms.BooleanField(label=_("I ask for travel support"), required=False)
    travel_cost_estimate = forms.CharField(
        label=_("Estimated cost of the travel (EUR)"), required=False, max_length=30,
        help_text=_("In euros, e.g. 450 or 450.50. Only if you ask for travel support."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    first_night = forms.DateField(label=_("First night of accommodation"), required=False, widget=DateInput())
    nights_wanted = forms.IntegerField(label=_("Number of nights"), required=False, min_value=0, max_value=31,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"), required=False, max_length=2000,
        help_text=_("Anything that helps you move around the venue and the site visits."),
        widget=forms.Textarea(attrs={"rows": 2}))
    dietary_needs = forms.CharField(label=_("Dietary needs"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, event, editable=True, **kwargs):
        super().__init__(*args, **kwargs)
        window = event_window(event)
        first, last = window.first_night, window.last_night
        self.fields["first_night"].help_text = _(
            "Nights are counted in the event's time zone, from the eve of the first day (%(first)s) to the night "
            "of the last day (%(last)s): at most %(count)s nights. Leave blank if you need no accommodation.") % {
            "first": formats.date_format(first, "DATE_FORMAT"), "last": formats.date_format(last, "DATE_FORMAT"),
            "count": window.max_nights}
        _date_bounds(self.fields["first_night"], first, last)
        self.fields["nights_wanted"].widget.attrs["max"] = window.max_nights
        if not editable:
            for field in self.fields.values():
                field.disabled = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("About you and the days"), "motivation", "contribution", "topics"),
            Fieldset(_("What you need"), "expo_pass_wanted", "travel_support_wanted", "travel_cost_estimate",
                     Div(Div("first_night", css_class="col-sm-7"), Div("nights_wanted", css_class="col-sm-5"),
                         css_class="row"),
                     "accessibility_needs", "dietary_needs"),
        )

    def clean_travel_cost_estimate(self):
        return parse_euros(self.cleaned_data.get("travel_cost_estimate"))

    def clean_nights_wanted(self):
        return self.cleaned_data.get("nights_wanted") or 0

    def valid_values(self) -> dict:
        """The fields that could be read, for an autosave (call after ``is_valid``). The first night
        and the number of nights go together: one unreadable, neither is saved."""
        values = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if "first_night" in self.errors or "nights_wanted" in self.errors:
            values.pop("first_night", None)
            values.pop("nights_wanted", None)
        return values

    def add_errors(self, error: ValidationError):
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ConfirmationForm(forms.Form):
    accept_protocol = forms.BooleanField(label=_("I have read the health and safety protocol above and accept it"),
                                         required=False)
    arrival_date = forms.DateField(label=_("Arrival"), required=False, widget=DateInput())
    departure_date = forms.DateField(label=_("Departure"), required=False, widget=DateInput())
    badge_name = forms.CharField(label=_("Name for your badge"), required=False, max_length=80,
                                 help_text=_("As you want it printed, e.g. Ana García."))

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        window = event_window(event)
        _date_bounds(self.fields["arrival_date"], window.earliest_arrival, window.last_day)
        _date_bounds(self.fields["departure_date"], window.first_day, window.latest_departure)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "accept_protocol",
            Div(Div("arrival_date", css_class="col-sm-6"), Div("departure_date", css_class="col-sm-6"),
                css_class="row"),
            "badge_name",
        )

    def add_errors(self, error: ValidationError):
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
