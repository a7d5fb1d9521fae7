"""Reading a question's answer from a posted section form, and what a template needs to draw it.

Field names: ``q<id>`` (the value; several for multiple choice), ``q<id>-other`` (the "other" text),
``q<id>-rank-<choice id>`` (a ranking's rank per choice), ``v<id>`` (the version the page showed)."""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.numbers import decimal_input

from .models import SCALE_MAX, SCALE_MIN, QuestionKind


def posted_value(question, data) -> tuple[object, str]:
    """(value, other text) for ``answer_save``, from a QueryDict. A ranking's ranks become the
    ordered list of choice ids; an impossible ranking raises ValidationError."""
    name = f"q{question.pk}"
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return data.getlist(name), data.get(f"{name}-other", "")
    if question.kind == QuestionKind.RANKING:
        ranks = {}
        for choice in question.choices.all():
            raw = data.get(f"{name}-rank-{choice.pk}", "").strip()
            if not raw:
                continue
            try:
                rank = int(raw)
            except ValueError:
                raise ValidationError(_("A rank is a number: 1 for the first.")) from None
            limit = question.rank_limit or len(question.choices.all())
            if not 1 <= rank <= limit:
                raise ValidationError(_("Use the ranks 1 to %(count)d.") % {"count": limit})
            if rank in ranks:
                raise ValidationError(_("Give each rank to one item only."))
            ranks[rank] = choice.pk
        return [ranks[rank] for rank in sorted(ranks)], ""
    return data.get(name, ""), ""


def _as_int(value):
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@dataclass
class QuestionItem:
    """One question as the section page shows it: the value (stored, or as posted after an error),
    who changed it last, and the outcome of a save (saved, error, conflict)."""

    question: object
    answer: object = None
    version: int = 0
    visible: bool = True
    selected: set = field(default_factory=set)  # choice ids
    ranks: dict = field(default_factory=dict)  # choice id -> rank
    text: str = ""  # scale, number and text values
    other_text: str = ""
    error: str = ""
    conflict: object = None
    saved: bool = False
    from_post: bool = False  # the values are what the member posted (never kept: surveys.fragments)

    # The rows below hand the template ready-made strings and flags: rendering an int in a template
    # goes through number localisation, and a question's id appears on every input, label and option,
    # which made that the section page's main cost (issue #9 benchmark).
    @property
    def qid(self):
        return str(self.question.pk)

    @property
    def choice_rows(self):
        """(choice, its id as text, picked) per choice, for radio buttons and checkboxes."""
        return [(choice, str(choice.pk), choice.pk in self.selected) for choice in self.question.choices.all()]

    @property
    def rank_rows(self):
        """(choice, its id as text, [(rank as text, selected)]) per choice of a ranking."""
        choices = self.question.choices.all()
        ranks = range(1, (self.question.rank_limit or len(choices)) + 1)
        return [(choice, str(choice.pk), [(str(rank), rank == self.ranks.get(choice.pk)) for rank in ranks])
                for choice in choices]

    @property
    def scale_rows(self):
        """(value as text, checked) per point of the scale."""
        return [(str(value), str(value) == self.text) for value in range(SCALE_MIN, SCALE_MAX + 1)]

    @property
    def condition_choices(self):
        return " ".join(str(choice.pk) for choice in self.question.show_if_choices.all())


def question_item(question, answer, picks, *, visible=True, posted=None, error="", conflict=None, saved=False):
    """``posted``: (value, other) as read by ``posted_value`` to show back after an error or a conflict."""
    item = QuestionItem(question=question, answer=answer, version=answer.version if answer else 0,
                        visible=visible, error=error, conflict=conflict, saved=saved)
    if conflict is not None:
        item.version = conflict.answer.version  # "keep mine" saves over the colleague's version, knowingly
    if posted is not None:
        item.from_post = True
        value, other = posted
        item.other_text = other or ""
        if question.has_choices:
            ids = [i for i in (_as_int(v) for v in (value if isinstance(value, list | tuple) else [value]))
                   if i is not None]
            item.selected = set(ids)
            item.ranks = {choice_id: rank for rank, choice_id in enumerate(ids, start=1)}
        else:
            item.text = "" if value is None else str(value)
        return item
    ids = picks.get(question.pk, ())
    item.selected = set(ids)
    item.ranks = {choice_id: rank for rank, choice_id in enumerate(ids, start=1)}
    if answer is not None:
        item.other_text = answer.other_text
        item.text = "" if answer.value is None else (
            decimal_input(answer.value) if question.kind == QuestionKind.NUMBER else str(answer.value))
    return item


class SubmitForm(forms.Form):
    show_to_peers = forms.BooleanField(
        required=False,
        label=gettext_lazy("Show our organisation to other members as a possible peer (with the topics we share)."),
    )


class DeadlineExtendForm(forms.Form):
    until = forms.SplitDateTimeField(
        label=gettext_lazy("New deadline"),
        help_text=gettext_lazy("Date and time in the time zone shown on the right (the server's, UTC)."),
        widget=forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time"}),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=1000)
