"""The staff's reading of a survey: response rates (overall and by region), the organisations that
have not submitted, and one chart's numbers per question. Each function costs a fixed number of
queries whatever the number of portraits (tests/surveys/test_results.py pins them).

Who is expected to answer: a confirmed member organisation with at least one approved member
(only approved members can fill in a portrait). Results count submitted portraits, or every
portrait that has an answer when staff include drafts.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from community.models import Member, Organisation, Region
from portal.numbers import decimal_input

from .models import (
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    AnswerChoice,
    Choice,
    Portrait,
    PortraitStatus,
    Question,
    QuestionKind,
    Respondent,
)

HISTOGRAM_MAX_BINS = 10


# ------------------------------------------------------------------------------ who answers
def expected_organisations() -> QuerySet:
    """Organisations expected to fill in a portrait: confirmed, with at least one approved member."""
    approved = Member.objects.approved().filter(organisation=OuterRef("pk"))
    return Organisation.objects.confirmed().filter(Exists(approved))


def _submitted(survey):
    return Portrait.objects.filter(survey=survey, organisation=OuterRef("pk"), status=PortraitStatus.SUBMITTED)


def organisations_not_submitted(survey, *, region: str = "") -> QuerySet:
    """Expected organisations without a submitted portrait of ``survey``, with their draft (if any):
    ``portrait_id``, ``portrait_updated_at`` and ``answered`` annotated."""
    draft = Portrait.objects.filter(survey=survey, organisation=OuterRef("pk"))
    answered = (Answer.objects.filter(portrait__survey=survey, portrait__organisation=OuterRef("pk"),
                                      is_answered=True)
                .order_by().values("portrait__organisation").annotate(n=Count("pk")).values("n"))
    queryset = (expected_organisations().exclude(Exists(_submitted(survey)))
                .annotate(portrait_id=Subquery(draft.values("pk")[:1]),
                          portrait_updated_at=Subquery(draft.values("updated_at")[:1]),
                          answered=Subquery(answered, output_field=IntegerField())))
    if region:
        queryset = queryset.filter(region=region)
    return queryset.order_by("name", "pk")


def not_submitted_page(survey, organisations) -> list[Organisation]:
    """Give each organisation of a page its approved members (``approved_members``), each with
    ``last_saved_at``, their last save in this survey (one query for the page)."""
    last_save = Respondent.objects.filter(portrait__survey=survey, member=OuterRef("pk")).values("last_saved_at")[:1]
    members = (Member.objects.approved().select_related("user").annotate(last_saved_at=Subquery(last_save))
               .order_by("user__last_name", "user__first_name", "pk"))
    organisations = list(organisations)
    prefetch_related_objects(organisations, Prefetch("members", queryset=members, to_attr="approved_members"))
    return organisations


# ------------------------------------------------------------------------------ response rates
@dataclass(frozen=True)
class Rate:
    label: str
    expected: int
    submitted: int
    drafts: int
    key: str = ""

    @property
    def percent(self) -> float:
        return round(100 * self.submitted / self.expected, 1) if self.expected else 0.0

    @property
    def not_submitted(self) -> int:
        return self.expected - self.submitted


def response_rates(survey) -> tuple[Rate, list[Rate]]:
    """(overall, [by region]): expected organisations, submitted portraits, drafts (one query)."""
    draft = Portrait.objects.filter(survey=survey, organisation=OuterRef("pk"), status=PortraitStatus.DRAFT)
    rows = (expected_organisations().order_by().values("region")
            .annotate(expected=Count("pk"), submitted=Count("pk", filter=Q(Exists(_submitted(survey)))),
                      drafts=Count("pk", filter=Q(Exists(draft)))))
    labels = dict(Region.choices)
    regions = sorted(
        (Rate(label=str(labels.get(row["region"], row["region"])), key=row["region"], expected=row["expected"],
              submitted=row["submitted"], drafts=row["drafts"]) for row in rows),
        key=lambda rate: rate.label)
    overall = Rate(label=_("All regions"), expected=sum(r.expected for r in regions),
                   submitted=sum(r.submitted for r in regions), drafts=sum(r.drafts for r in regions))
    return overall, regions


# ------------------------------------------------------------------------------ charts
def portraits_in_scope(survey, *, include_drafts: bool = False, region: str = "") -> QuerySet:
    """The portraits the results and exports count: submitted ones (or every one, with drafts)."""
    portraits = Portrait.objects.filter(survey=survey)
    if not include_drafts:
        portraits = portraits.filter(status=PortraitStatus.SUBMITTED)
    if region:
        portraits = portraits.filter(organisation__region=region)
    return portraits


@dataclass
class QuestionResult:
    """One question's numbers: ``rows`` feed the plain table, ``chart`` the canvas (or None)."""

    question: Question
    number: int
    answered: int
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    chart: dict | None = None

    @property
    def chart_id(self) -> str:
        return f"chart-data-{self.question.pk}"


def _choice_result(result, choices, counts, other_count):
    result.columns = [_("Choice"), _("Portraits"), _("Share")]
    labels, values = [], []
    for choice in choices:
        labels.append(str(choice.text))
        values.append(counts.get(choice.pk, 0))
    if result.question.allow_other:
        labels.append(_("Other"))
        values.append(other_count)
    result.rows = [[label, value, _share(value, result.answered)] for label, value in zip(labels, values, strict=True)]
    result.chart = {"type": "bar", "labels": labels, "values": values, "label": _("Portraits")}


def _share(value, total) -> str:
    return f"{round(100 * value / total)} %" if total else "—"


def borda_scores(choices, rank_counts: dict[tuple[int, int], int], rank_limit: int | None) -> list[dict]:
    """Weighted Borda count: with N places (the question's "rank up to", else every topic), a topic
    ranked r-th gets N - r + 1 points; unranked topics get none. Sorted by points, then by how often
    first, then by the builder's order."""
    places = rank_limit or len(choices)
    scored = []
    for position, choice in enumerate(choices):
        points = first = ranked = 0
        for rank in range(1, places + 1):
            count = rank_counts.get((choice.pk, rank), 0)
            points += count * (places - rank + 1)
            ranked += count
            if rank == 1:
                first = count
        scored.append({"choice": choice, "points": points, "first": first, "ranked": ranked, "position": position})
    scored.sort(key=lambda item: (-item["points"], -item["first"], item["position"]))
    return scored


def _ranking_result(result, choices, rank_counts):
    scored = borda_scores(choices, rank_counts, result.question.rank_limit)
    result.columns = [_("Topic"), _("Borda points"), _("Ranked first"), _("Ranked")]
    result.rows = [[str(item["choice"].text), item["points"], item["first"], item["ranked"]] for item in scored]
    result.chart = {"type": "bar", "horizontal": True, "labels": [row[0] for row in result.rows],
                    "values": [row[1] for row in result.rows], "label": _("Borda points")}


def histogram(values: list[Decimal], *, max_bins: int = HISTOGRAM_MAX_BINS) -> list[tuple[str, int]]:
    """[(bin label, count)]: one bin per whole number when the values are whole and span at most
    ``max_bins`` numbers; whole values spanning more (years, populations) in at most ``max_bins`` bins of
    whole numbers ("2012–2014"); else ``max_bins`` equal bins from the smallest to the largest value
    (the last bin includes its upper end). Labels are written in the page's language (12,5 in French)."""
    if not values:
        return []
    low, high = min(values), max(values)
    if all(value == value.to_integral_value() for value in values):
        low, high = int(low), int(high)
        width = -(-(high - low + 1) // max_bins)  # whole numbers per bin, rounded up
        counts = defaultdict(int)
        for value in values:
            counts[(int(value) - low) // width] += 1
        bins = -(-(high - low + 1) // width)
        return [(_whole_label(low + i * width, min(low + (i + 1) * width - 1, high)), counts.get(i, 0))
                for i in range(bins)]
    bins = max_bins
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    edges = [low + width * i for i in range(bins + 1)]
    return [(f"{_fmt(edges[i])}–{_fmt(edges[i + 1])}", counts[i]) for i in range(bins)]


def _whole_label(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _fmt(number: Decimal) -> str:
    text = f"{number.quantize(Decimal('0.01')):f}"
    return decimal_input(text.rstrip("0").rstrip(".") if "." in text else text)


def _histogram_result(result, values):
    if result.question.kind == QuestionKind.SCALE:
        counts = defaultdict(int)
        for value in values:
            counts[int(value)] += 1
        labels = [str(n) for n in range(SCALE_MIN, SCALE_MAX + 1)]
        if result.question.scale_min_label:
            labels[0] = f"1 ({result.question.scale_min_label})"
        if result.question.scale_max_label:
            labels[-1] = f"{SCALE_MAX} ({result.question.scale_max_label})"
        bins = list(zip(labels, [counts.get(n, 0) for n in range(SCALE_MIN, SCALE_MAX + 1)], strict=True))
    else:
        bins = histogram(values)
    unit = f" ({result.question.unit})" if result.question.unit else ""
    result.columns = [_("Value") + unit, _("Portraits")]
    result.rows = [[label, count] for label, count in bins]
    result.chart = {"type": "histogram", "labels": [label for label, _count in bins],
                    "values": [count for _label, count in bins], "label": _("Portraits")}


def _decimal(raw) -> Decimal | None:
    try:
        return Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None


def question_results(survey, portraits: QuerySet) -> list[QuestionResult]:
    """Each question's numbers over ``portraits`` (see portraits_in_scope), in survey order.
    Six queries: questions, choices, answered counts, picks, "other" counts, scale and number values."""
    questions = list(
        Question.objects.filter(section__survey=survey).select_related("section")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
        .order_by("section__order", "section__pk", "order", "pk"))
    answers = Answer.objects.filter(portrait__in=portraits.values("pk"))
    answered = dict(answers.filter(is_answered=True).order_by().values("question_id")
                    .annotate(n=Count("pk")).values_list("question_id", "n"))
    picks = defaultdict(int)
    for choice_id, rank, n in (AnswerChoice.objects.filter(answer__in=answers).order_by()
                               .values("choice_id", "rank").annotate(n=Count("pk"))
                               .values_list("choice_id", "rank", "n")):
        picks[(choice_id, rank)] += n
    counts = defaultdict(int)
    for (choice_id, _rank), n in picks.items():
        counts[choice_id] += n
    others = dict(answers.filter(question__kind=QuestionKind.MULTIPLE_CHOICE).exclude(other_text="").order_by()
                  .values("question_id").annotate(n=Count("pk")).values_list("question_id", "n"))
    values = defaultdict(list)
    for question_id, raw in (answers.filter(question__kind__in=[QuestionKind.SCALE, QuestionKind.NUMBER],
                                            is_answered=True).values_list("question_id", "value")):
        number = _decimal(raw)
        if number is not None:
            values[question_id].append(number)

    results = []
    for number, question in enumerate(questions, start=1):
        result = QuestionResult(question=question, number=number, answered=answered.get(question.pk, 0))
        choices = list(question.choices.all())
        if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            _choice_result(result, choices, counts, others.get(question.pk, 0))
        elif question.kind == QuestionKind.RANKING:
            _ranking_result(result, choices, picks)
        elif question.kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
            _histogram_result(result, values.get(question.pk, []))
        results.append(result)
    return results


# ------------------------------------------------------------------------------ which survey
def current_survey():
    """The survey of the current edition (Edition.objects.current()), else the latest one."""
    from community.models import Edition

    from .models import Survey

    edition = Edition.objects.current()
    survey = Survey.objects.filter(edition=edition).first() if edition else None
    return survey or Survey.objects.order_by("-opens_at", "-pk").first()


def current_survey_not_submitted() -> QuerySet:
    """The to-do item's organisations: those that have not submitted the current survey's portrait,
    counted in one query (the current survey is a subquery)."""
    from django.db.models.functions import Coalesce

    from community.models import Edition, EditionStatus

    from .models import Survey

    editions = Edition.objects.order_by("-year").values("pk")
    edition = Coalesce(Subquery(editions.filter(status=EditionStatus.OPEN)[:1]),
                       Subquery(editions.exclude(status=EditionStatus.DRAFT)[:1]))
    survey = Subquery(Survey.objects.filter(edition=edition).values("pk")[:1])
    return (expected_organisations().filter(Exists(Survey.objects.filter(pk=survey)))
            .exclude(Exists(Portrait.objects.filter(survey=survey, organisation=OuterRef("pk"),
                                                    status=PortraitStatus.SUBMITTED))))
