"""The rules of the Metropolitan Portrait: saving an answer (validated by kind, versioned), submitting,
extending a deadline, copying a survey, merging portraits. Views, admin actions and receivers call
these; they raise ``ValidationError`` / ``PermissionDenied`` with translated messages."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from community import audit
from mailings.services import mail_queue
from portal.numbers import decimal_input

from . import caching, signals
from .audit import SurveyAction
from .models import (
    LONG_TEXT_MAX,
    OTHER_TEXT_MAX,
    SCALE_MAX,
    SCALE_MIN,
    SHORT_TEXT_MAX,
    Answer,
    AnswerChoice,
    Choice,
    Portrait,
    PortraitStatus,
    Question,
    QuestionKind,
    Respondent,
    Section,
    Survey,
)
from .selectors import answers_of, picked_choices, survey_questions, visible_question_ids


@dataclass(frozen=True)
class Conflict:
    """A save refused because a colleague saved a newer value in between: what they saved, who, when."""

    question: Question
    answer: Answer  # the colleague's, as it is now
    theirs: str  # their value as the member reads it
    by: str
    at: datetime
    mine: object  # the value the member tried to save (to show it back)
    mine_other: str = ""


@dataclass(frozen=True)
class Normalized:
    value: object
    choice_ids: tuple
    other_text: str
    is_answered: bool


# ------------------------------------------------------------------------------ checks
def member_can_edit(member, portrait) -> bool:
    return member is not None and member.is_approved and member.organisation_id == portrait.organisation_id


def _check_member(member, portrait):
    if not member_can_edit(member, portrait):
        raise PermissionDenied(_("Only approved members of this organisation can change its portrait."))


def _check_open(portrait, now=None):
    now = now or timezone.now()
    survey = portrait.survey
    if now < survey.opens_at:
        raise ValidationError(_("The survey is not open yet."), code="not_open")
    if now >= portrait.closes_at:
        raise ValidationError(
            _("The survey closed on %(date)s: answers can no longer be changed. Your draft is kept.")
            % {"date": formats.date_format(timezone.localtime(portrait.closes_at), "DATETIME_FORMAT")},
            code="closed",
        )


def portrait_get_or_create(*, survey: Survey, organisation) -> Portrait:
    portrait, _created = Portrait.objects.get_or_create(survey=survey, organisation=organisation)
    return portrait


# ------------------------------------------------------------------------------ validation by kind
def _choice_ids(question, raw) -> list[int]:
    if raw in (None, ""):
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    valid = {choice.pk for choice in question.choices.all()}
    ids = []
    for item in items:
        if item in (None, ""):
            continue
        try:
            choice_id = int(str(item))
        except ValueError:
            raise ValidationError(_("Pick one of the choices offered."), code="unknown_choice") from None
        if choice_id not in valid:
            raise ValidationError(_("Pick one of the choices offered."), code="unknown_choice")
        if choice_id in ids:
            raise ValidationError(_("Each choice can be picked only once."), code="duplicate_choice")
        ids.append(choice_id)
    return ids


def _text(raw) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationError(_("Enter text."), code="invalid")
    if "\x00" in raw:
        raise ValidationError(_("The text contains a character that is not allowed."), code="invalid")
    return raw.strip()


def answer_normalize(question: Question, value, other_text: str = "") -> Normalized:
    """Check a raw value (as a form posts it) against the question's kind; return what is stored.
    Raises ValidationError with a message to show next to the question."""
    kind = question.kind
    other = ""
    if kind in QuestionKind.with_choices():
        if kind == QuestionKind.SINGLE_CHOICE and isinstance(value, list | tuple):
            if len(value) > 1:
                raise ValidationError(_("Pick only one choice."), code="too_many")
            value = value[0] if value else ""
        ids = _choice_ids(question, value)
        if kind == QuestionKind.RANKING and question.rank_limit and len(ids) > question.rank_limit:
            raise ValidationError(_("Rank at most %(count)d items.") % {"count": question.rank_limit},
                                  code="too_many")
        if kind == QuestionKind.MULTIPLE_CHOICE and question.allow_other:
            other = _text(other_text)
            if len(other) > OTHER_TEXT_MAX:
                raise ValidationError(_("Keep “other” under %(count)d characters.") % {"count": OTHER_TEXT_MAX},
                                      code="too_long")
        return Normalized(None, tuple(ids), other, bool(ids or other))
    if kind == QuestionKind.SCALE:
        if value in (None, ""):
            return Normalized(None, (), "", False)
        try:
            number = int(str(value))
        except ValueError:
            raise ValidationError(_("Pick a value from %(min)d to %(max)d.") % {"min": SCALE_MIN, "max": SCALE_MAX},
                                  code="invalid") from None
        if not SCALE_MIN <= number <= SCALE_MAX:
            raise ValidationError(_("Pick a value from %(min)d to %(max)d.") % {"min": SCALE_MIN, "max": SCALE_MAX},
                                  code="out_of_range")
        return Normalized(number, (), "", True)
    if kind == QuestionKind.NUMBER:
        text = _text(value if value is None or isinstance(value, str) else str(value)).replace(" ", "")
        if text == "":
            return Normalized(None, (), "", False)
        try:
            number = Decimal(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter a number, e.g. 1250 or 12.5."), code="invalid") from None
        if not number.is_finite() or abs(number) >= Decimal("1e16"):
            raise ValidationError(_("Enter a number, e.g. 1250 or 12.5."), code="invalid")
        # "1e-999999" would be stored, and shown, written out: a million characters.
        if number and number.normalize().as_tuple().exponent < -NUMBER_DECIMALS_MAX:
            raise ValidationError(_("Enter a number with at most %(count)d decimals.") % {"count": NUMBER_DECIMALS_MAX},
                                  code="too_precise")
        if question.min_value is not None and number < question.min_value:
            raise ValidationError(_("Enter a number of at least %(min)s.") % {"min": _number(question.min_value)},
                                  code="out_of_range")
        if question.max_value is not None and number > question.max_value:
            raise ValidationError(_("Enter a number of at most %(max)s.") % {"max": _number(question.max_value)},
                                  code="out_of_range")
        return Normalized(_number(number), (), "", True)
    # short and long text
    text = _text(value)
    limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
    if len(text) > limit:
        raise ValidationError(_("Keep the answer under %(count)d characters (it has %(length)d).")
                              % {"count": limit, "length": len(text)}, code="too_long")
    return Normalized(text or None, (), "", bool(text))


NUMBER_DECIMALS_MAX = 6


def _number(value: Decimal) -> str:
    """A decimal without trailing zeros nor exponent: '1250', '12.5'."""
    return format(Decimal(str(value)).normalize(), "f")


# ------------------------------------------------------------------------------ saving
def _same(answer: Answer, normalized: Normalized, current_ids) -> bool:
    return (answer.value == normalized.value and answer.other_text == normalized.other_text
            and tuple(current_ids) == normalized.choice_ids)


def _ordered_ids(answer) -> list[int]:
    return list(AnswerChoice.objects.filter(answer=answer).order_by("rank", "choice__order", "pk")
                .values_list("choice_id", flat=True))


def answer_display(question: Question, answer: Answer | None, choice_ids=None) -> str:
    """The answer as a member reads it, in the active language."""
    if answer is None or not answer.is_answered:
        return _("(no answer)")
    if question.has_choices:
        ids = choice_ids if choice_ids is not None else _ordered_ids(answer)
        texts = {choice.pk: choice.text for choice in question.choices.all()}
        items = [texts.get(pk, "?") for pk in ids]
        if question.kind == QuestionKind.RANKING:
            items = [f"{rank}. {text}" for rank, text in enumerate(items, start=1)]
        if answer.other_text:
            items.append(_("Other: %(text)s") % {"text": answer.other_text})
        return "; ".join(items)
    if question.kind == QuestionKind.NUMBER:
        return f"{decimal_input(answer.value)} {question.unit}".strip()
    if question.kind == QuestionKind.SCALE:
        label = {SCALE_MIN: question.scale_min_label, SCALE_MAX: question.scale_max_label}.get(answer.value)
        return f"{answer.value} ({label})" if label else str(answer.value)
    return str(answer.value)


def _conflict(question, answer, normalized, raw_value, other_text) -> Conflict:
    answer.refresh_from_db()
    by = answer.updated_by.full_name if answer.updated_by_id else _("a colleague")
    return Conflict(question=question, answer=answer, theirs=answer_display(question, answer), by=by,
                    at=answer.updated_at, mine=raw_value, mine_other=other_text or "")


@transaction.atomic
def answer_save(*, portrait: Portrait, question: Question, value, member, base_version: int,
                other_text: str = "", now=None, questions=None) -> Answer | Conflict | None:
    """Save one answer of a portrait, if ``base_version`` (the version the member's page showed, 0
    for none) is still the current one; else return a ``Conflict`` with the colleague's value, name
    and time, and change nothing. Saving the value already stored is a no-op (no conflict); an
    empty value where there is no answer stores nothing (returns None). The answer returned holds
    its picks' choice ids in order as ``picked_ids``.

    Records the member as a respondent, and deletes the answers of questions that this answer now
    hides. Raises PermissionDenied (not a member of the organisation) or ValidationError (survey not
    open, question not in this survey or hidden, value invalid for the question's kind)."""
    now = now or timezone.now()
    _check_member(member, portrait)
    if question.section.survey_id != portrait.survey_id:
        raise ValidationError(_("This question is not part of this survey."), code="other_survey")
    _check_open(portrait, now)
    try:
        base_version = int(base_version)
    except (TypeError, ValueError):
        raise ValidationError(_("The page was out of date: reload it and try again."), code="bad_version") from None
    normalized = answer_normalize(question, value, other_text)
    questions = questions if questions is not None else survey_questions(portrait.survey)
    picks = picked_choices(portrait)
    if question.pk not in visible_question_ids(questions, picks):
        raise ValidationError(_("This question does not apply given your earlier answers."), code="hidden")
    if portrait.is_submitted and question.required and not normalized.is_answered:
        raise ValidationError(_("This answer is required: the portrait is submitted, so it cannot be emptied."),
                              code="required")

    answer = Answer.objects.filter(portrait=portrait, question=question).first()
    fields = {"value": normalized.value, "other_text": normalized.other_text,
              "is_answered": normalized.is_answered, "updated_by": member, "updated_at": now}
    if answer is not None:
        if _same(answer, normalized, picks.get(question.pk, ())):
            answer.picked_ids = normalized.choice_ids
            return answer
        if answer.version != base_version:
            return _conflict(question, answer, normalized, value, other_text)
        # The write itself checks the version: of two saves based on the same version, one wins.
        updated = Answer.objects.filter(pk=answer.pk, version=base_version).update(**fields, version=F("version") + 1)
        if not updated:
            return _conflict(question, answer, normalized, value, other_text)
        for name, field_value in fields.items():  # what the row now holds, without reading it again
            setattr(answer, name, field_value)
        answer.version = base_version + 1
        if question.has_choices:  # other kinds have no picks
            AnswerChoice.objects.filter(answer=answer).delete()
    elif not normalized.is_answered:
        return None  # nothing stored, nothing to store
    else:
        try:
            with transaction.atomic():
                answer = Answer.objects.create(portrait=portrait, question=question, version=1, **fields)
        except IntegrityError:
            answer = Answer.objects.get(portrait=portrait, question=question)
            return _conflict(question, answer, normalized, value, other_text)
    ranked = question.kind == QuestionKind.RANKING
    AnswerChoice.objects.bulk_create([
        AnswerChoice(answer=answer, choice_id=choice_id, rank=position if ranked else None)
        for position, choice_id in enumerate(normalized.choice_ids, start=1)
    ])
    _record_respondent(portrait, member, now)
    Portrait.objects.filter(pk=portrait.pk).update(updated_at=now)
    if question.kind in QuestionKind.conditions():
        picks[question.pk] = normalized.choice_ids
        _delete_hidden(portrait, questions, picks)
    if portrait.is_submitted:  # its picks are in the peers' data
        caching.forget_peers(portrait.survey_id)
    answer.picked_ids = normalized.choice_ids
    return answer


def _record_respondent(portrait, member, now):
    updated = Respondent.objects.filter(portrait=portrait, member=member).update(last_saved_at=now)
    if not updated:
        try:
            with transaction.atomic():
                Respondent.objects.create(portrait=portrait, member=member, first_saved_at=now, last_saved_at=now)
        except IntegrityError:
            Respondent.objects.filter(portrait=portrait, member=member).update(last_saved_at=now)
        else:
            transaction.on_commit(lambda: signals.respondent_added.send_robust(
                sender=Portrait, portrait=portrait, member=member))


def _delete_hidden(portrait, questions, picks) -> int:
    """Answers to questions that the current answers hide are not kept."""
    visible = visible_question_ids(questions, picks)
    hidden = [question.pk for question in questions if question.pk not in visible]
    if not hidden:
        return 0
    deleted, _rows = Answer.objects.filter(portrait=portrait, question_id__in=hidden).delete()
    return deleted


# ------------------------------------------------------------------------------ submitting
def missing_required(portrait, questions=None, picks=None) -> list[Question]:
    questions = questions if questions is not None else survey_questions(portrait.survey)
    picks = picks if picks is not None else picked_choices(portrait)
    visible = visible_question_ids(questions, picks)
    answered = set()
    if portrait.pk:
        answered = set(Answer.objects.filter(portrait=portrait, is_answered=True).values_list("question_id", flat=True))
    return [q for q in questions if q.required and q.pk in visible and q.pk not in answered]


@transaction.atomic
def portrait_submit(*, portrait: Portrait, member, show_to_peers: bool | None = None, now=None) -> list[Question]:
    """Submit the portrait if every required (visible) question is answered; return the missing
    required questions (empty when submitted). On submit: a confirmation email with a copy of the
    answers, in the member's language. Submitting again (after edits) sends a fresh copy."""
    now = now or timezone.now()
    _check_member(member, portrait)
    _check_open(portrait, now)
    portrait = (Portrait.objects.select_for_update(of=("self",)).select_related("survey", "organisation")
                .get(pk=portrait.pk))
    questions = survey_questions(portrait.survey)
    picks = picked_choices(portrait)
    _delete_hidden(portrait, questions, picks)
    missing = missing_required(portrait, questions, picks)
    if missing:
        return missing
    portrait.status = PortraitStatus.SUBMITTED
    portrait.submitted_at = now
    portrait.submitted_by = member
    if show_to_peers is not None:
        portrait.show_to_peers = show_to_peers
    portrait.updated_at = now
    portrait.save(update_fields=["status", "submitted_at", "submitted_by", "show_to_peers", "updated_at"])
    _mail_confirmation(portrait, member, questions, picks)
    transaction.on_commit(lambda: signals.portrait_submitted.send_robust(
        sender=Portrait, portrait=portrait, member=member))
    return []


@transaction.atomic
def portrait_reopen(*, portrait: Portrait, by, reason: str = "") -> Portrait:
    """Staff set a submitted portrait back to draft (e.g. submitted by mistake): it must be submitted
    again, and what its submission opened (the webinar) closes until then (signal ``portrait_reopened``)."""
    portrait = Portrait.objects.select_for_update().get(pk=portrait.pk)
    if portrait.status != PortraitStatus.SUBMITTED:
        return portrait
    before = {"status": portrait.status, "submitted_at": portrait.submitted_at.isoformat()}
    portrait.status = PortraitStatus.DRAFT
    portrait.submitted_at = None
    portrait.submitted_by = None
    portrait.save(update_fields=["status", "submitted_at", "submitted_by"])
    audit.record(by, SurveyAction.REOPENED, portrait, before=before, after={"status": portrait.status},
                 reason=reason)
    transaction.on_commit(lambda: signals.portrait_reopened.send_robust(sender=Portrait, portrait=portrait, by=by))
    return portrait


def answers_copy(portrait, questions, language) -> list[dict]:
    """The portrait's answers as text, section by section, in ``language`` (for the email)."""
    answers = answers_of(portrait)
    picks = picked_choices(portrait)
    visible = visible_question_ids(questions, picks)
    with translation.override(language):
        sections, current = [], None
        for question in questions:
            if question.pk not in visible:
                continue
            if current is None or current["title"] != question.section.title:
                current = {"title": str(question.section.title), "items": []}
                sections.append(current)
            answer = answers.get(question.pk)
            current["items"].append({"question": str(question.text),
                                     "answer": answer_display(question, answer, picks.get(question.pk))})
    return sections


def _mail_confirmation(portrait, member, questions, picks):
    language = member.preferred_language
    with translation.override(language):
        survey_title = str(portrait.survey.title)
    mail_queue(
        to=member.user.email,
        template="portrait_submitted",
        context={
            "first_name": member.user.first_name,
            "organisation_name": portrait.organisation.name,
            "survey_title": survey_title,
            "submitted_at": portrait.submitted_at,
            "closes_at": portrait.closes_at,
            "sections": answers_copy(portrait, questions, language),
            "portrait_url": settings.PORTAL_BASE_URL + reverse("surveys:portrait", args=[portrait.survey_id]),
        },
        dedupe_key=f"portrait-submitted:{portrait.pk}:{member.pk}:{portrait.submitted_at.isoformat()}",
        language=language,
        time_zone=member.time_zone,
        cause=f"portrait:{portrait.pk}",
    )


# ------------------------------------------------------------------------------ staff
EXTENSION_MAX = timedelta(days=366)


@transaction.atomic
def portrait_deadline_extend(*, portrait: Portrait, until: datetime, by, reason: str = "") -> Portrait:
    """Let one organisation save and submit until ``until`` (after the survey's own closing)."""
    if timezone.is_naive(until):
        raise ValidationError(_("Give the new deadline with its time zone."))
    if until <= portrait.survey.closes_at:
        raise ValidationError(_("The new deadline must be after the survey closes (%(date)s).")
                              % {"date": formats.date_format(timezone.localtime(portrait.survey.closes_at),
                                                              "DATETIME_FORMAT")})
    latest = portrait.survey.closes_at + EXTENSION_MAX
    if until > latest:
        # 9999-12-31 was taken, and every page of the portrait then failed (beyond the last date a
        # time zone can show).
        raise ValidationError(_("Extend the deadline by at most a year after the survey closes (until %(date)s).")
                              % {"date": formats.date_format(timezone.localtime(latest), "DATETIME_FORMAT")})
    before = portrait.deadline_extended_until
    portrait.deadline_extended_until = until
    portrait.save(update_fields=["deadline_extended_until"])
    audit.record(by, SurveyAction.DEADLINE_EXTENDED, portrait,
                 before={"deadline": before.isoformat() if before else portrait.survey.closes_at.isoformat()},
                 after={"deadline": until.isoformat()}, reason=reason)
    return portrait


# ------------------------------------------------------------------------------ copies and merges
def _shift(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


@transaction.atomic
def survey_copy(*, source: Survey, edition) -> Survey:
    """Copy a survey (sections, questions, choices, show-if conditions; every language) into
    ``edition``, its dates moved by the years between the editions. No portrait nor answer is copied."""
    from community.translated import translation_values

    years = edition.year - source.edition.year
    survey = Survey.objects.create(
        edition=edition, opens_at=_shift(source.opens_at, years), closes_at=_shift(source.closes_at, years),
        **translation_values(source),
    )
    question_map, choice_map, conditions = {}, {}, []
    for section in source.sections.prefetch_related("questions__choices", "questions__show_if_choices"):
        new_section = Section.objects.create(survey=survey, order=section.order, **translation_values(section))
        for question in section.questions.all():
            new_question = Question.objects.create(
                section=new_section, order=question.order, kind=question.kind, required=question.required,
                allow_other=question.allow_other, min_value=question.min_value, max_value=question.max_value,
                rank_limit=question.rank_limit, peer_matching=question.peer_matching,
                **translation_values(question),
            )
            question_map[question.pk] = new_question
            for choice in question.choices.all():
                choice_map[choice.pk] = Choice.objects.create(question=new_question, order=choice.order,
                                                              **translation_values(choice))
            if question.show_if_question_id:
                conditions.append((question, new_question))
    for question, new_question in conditions:
        new_question.show_if_question = question_map[question.show_if_question_id]
        new_question.save(update_fields=["show_if_question"])
        new_question.show_if_choices.set([choice_map[c.pk] for c in question.show_if_choices.all()])
    return survey


@transaction.atomic
def portraits_merge(*, target, merged) -> None:
    """Organisations ``merged`` are about to be deleted into ``target``: move their portraits.

    Where both have a portrait of the same survey, the target's is kept; the answers it lacks are
    taken from the merged one (nothing the target wrote is overwritten), and the respondents of both
    are kept (earliest first save, latest last save)."""
    for portrait in Portrait.objects.filter(organisation__in=merged).select_related("survey"):
        kept = Portrait.objects.filter(organisation=target, survey=portrait.survey).first()
        if kept is None:
            portrait.organisation = target
            portrait.save(update_fields=["organisation"])
            continue
        answered = set(Answer.objects.filter(portrait=kept, is_answered=True).values_list("question_id", flat=True))
        for answer in Answer.objects.filter(portrait=portrait, is_answered=True):
            if answer.question_id in answered:
                continue
            Answer.objects.filter(portrait=kept, question_id=answer.question_id).delete()
            answer.portrait = kept
            answer.save(update_fields=["portrait"])
        for respondent in Respondent.objects.filter(portrait=portrait):
            existing = Respondent.objects.filter(portrait=kept, member=respondent.member_id).first()
            if existing is None:
                respondent.portrait = kept
                respondent.save(update_fields=["portrait"])
            else:
                existing.first_saved_at = min(existing.first_saved_at, respondent.first_saved_at)
                existing.last_saved_at = max(existing.last_saved_at, respondent.last_saved_at)
                existing.save(update_fields=["first_saved_at", "last_saved_at"])
        portrait.delete()
