"""Peers: organisations whose submitted portraits share topics of interest and challenges.

Which answers count: the choices picked in the questions staff flag ``peer_matching`` (choice and
ranking questions). Each pick has a weight: 1 for a single or multiple choice, and for a ranking
``(limit + 1 - rank) / limit`` (the first of three weighs 1, the second 2/3, the third 1/3), so two
organisations that put the same topic first are closer than two that both ranked it last.

The similarity of two portraits is the weighted Jaccard index of their picks:
``sum(min(a, b)) / sum(max(a, b))`` over every choice either picked (0: nothing shared, 1: the same
picks with the same ranks). Everything is computed in Python from one query of all the survey's
submitted picks, so the whole table of 1,000 organisations takes well under a second.

Consent: members see only organisations whose portrait agreed to be shown (``show_to_peers``), and
only when their own portrait agreed too (who is not shown does not see the others); staff see all.
"""

import heapq
import math
import operator
from collections import defaultdict
from dataclasses import dataclass
from itertools import repeat

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import caching
from .models import AnswerChoice, Choice, Portrait, PortraitStatus, Question, QuestionKind

PEERS_SHOWN = 5


@dataclass(frozen=True)
class PortraitInfo:
    portrait_id: int
    organisation_id: int
    organisation_name: str
    show_to_peers: bool


@dataclass(frozen=True)
class Peer:
    """One suggested peer of a portrait: the other organisation, the score (0 to 1) and the choices both
    picked, strongest shared weight first."""

    portrait: PortraitInfo
    score: float
    shared: tuple[int, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class PeerPair:
    first: PortraitInfo
    second: PortraitInfo
    score: float
    shared: tuple[int, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class PeerData:
    """The survey's submitted portraits and their weighted picks: {portrait id: {choice id: weight}}.

    Weights are whole numbers of ``unit`` (the least common multiple of the rank limits), so that
    sums are exact and the staff table can add rows of them as big integers (see ``_table_rows``)."""

    portraits: dict[int, PortraitInfo]
    weights: dict[int, dict[int, int]]
    unit: int = 1

    def totals(self) -> dict[int, int]:
        return {pk: sum(picks.values()) for pk, picks in self.weights.items()}


def pick_weight(kind: str, rank: int | None, limit: int) -> float:
    if kind == QuestionKind.RANKING and rank:
        return (limit + 1 - min(rank, limit)) / limit
    return 1.0


def peer_data(survey) -> PeerData:
    """From the cache (one round trip; ``caching`` says when it is forgotten), else three queries
    whatever the number of portraits: the flagged questions, the submitted portraits, and every pick
    of those portraits in those questions (values_list)."""
    return caching.cached(caching.peers_key(survey.pk), lambda: _read_peer_data(survey))


def _read_peer_data(survey) -> PeerData:
    questions = {
        pk: (kind, rank_limit or choice_count or 1)
        for pk, kind, rank_limit, choice_count in Question.objects.filter(section__survey=survey, peer_matching=True)
        .annotate(choice_count=Count("choices")).values_list("pk", "kind", "rank_limit", "choice_count")
    }
    unit = math.lcm(*(limit for kind, limit in questions.values() if kind == QuestionKind.RANKING), 1)
    portraits = {
        pk: PortraitInfo(pk, organisation_id, name, show)
        for pk, organisation_id, name, show in Portrait.objects.filter(survey=survey, status=PortraitStatus.SUBMITTED)
        .values_list("pk", "organisation_id", "organisation__name", "show_to_peers")
    }
    weights: dict[int, dict[int, int]] = {pk: {} for pk in portraits}
    if questions and portraits:
        rows = (AnswerChoice.objects
                .filter(answer__portrait__survey=survey, answer__portrait__status=PortraitStatus.SUBMITTED,
                        answer__question_id__in=list(questions))
                .values_list("answer__portrait_id", "answer__question_id", "choice_id", "rank"))
        for portrait_id, question_id, choice_id, rank in rows.iterator(chunk_size=5000):
            kind, limit = questions[question_id]
            if kind == QuestionKind.RANKING and rank:
                weights[portrait_id][choice_id] = (limit + 1 - min(rank, limit)) * (unit // limit)
            else:
                weights[portrait_id][choice_id] = unit
    return PeerData(portraits=portraits, weights=weights, unit=unit)


def similarity(first: dict[int, float], second: dict[int, float]) -> float:
    """Weighted Jaccard index of two portraits' picks."""
    overlap = sum(min(weight, second[choice]) for choice, weight in first.items() if choice in second)
    union = sum(first.values()) + sum(second.values()) - overlap
    return overlap / union if union else 0.0


def shared_choices(first: dict[int, float], second: dict[int, float]) -> tuple[int, ...]:
    """The choices both picked, the strongest shared weight first (then by id: stable)."""
    both = [(min(weight, second[choice]), choice) for choice, weight in first.items() if choice in second]
    return tuple(choice for _weight, choice in sorted(both, key=lambda item: (-item[0], item[1])))


def _order(score: float, info: PortraitInfo):
    return (-score, info.organisation_name.casefold(), info.portrait_id)


def peers_for(portrait, *, limit: int = PEERS_SHOWN, data: PeerData | None = None) -> list[Peer]:
    """The portrait's suggested peers for its members: the ``limit`` most similar submitted portraits
    that agreed to be shown, sharing at least one pick. Empty when this portrait is not submitted or
    did not agree to be shown itself."""
    data = data or peer_data(portrait.survey)
    own = data.portraits.get(portrait.pk)
    if own is None or not own.show_to_peers:
        return []
    mine = data.weights.get(portrait.pk, {})
    peers = []
    for pk, info in data.portraits.items():
        if pk == portrait.pk or not info.show_to_peers:
            continue
        theirs = data.weights[pk]
        score = similarity(mine, theirs)
        if score > 0:
            peers.append(Peer(info, score, shared_choices(mine, theirs)))
    peers.sort(key=lambda peer: _order(peer.score, peer.portrait))
    return peers[:limit]


_FIELD_FORMATS = {1: "B", 2: "H", 4: "I", 8: "Q"}


def _table_rows(data: PeerData):
    """Yield (portrait index, [overlap with every portrait]) for each portrait: sum of min weights.

    min(a, b) over one choice is a sum of steps: with the distinct weights v1 < v2 < ... that anyone
    gave the choice, min(a, b) = sum over k of (v_k - v_(k-1)) for the k where both a and b >= v_k.
    Each (choice, k) is a set of portraits, kept as one big integer with a fixed-width field per
    portrait; a portrait's row is the sum of (step x set) over its own (choice, k): a few dozen
    big-integer additions instead of a Python loop over every pair and choice (1,000 portraits: a
    tenth of a second instead of seconds)."""
    order = sorted(pk for pk, picks in data.weights.items() if picks)  # no pick: never a peer
    index = {pk: i for i, pk in enumerate(order)}
    totals = data.totals()
    width = next(size for size in (1, 2, 4, 8) if max(totals.values(), default=0) < 2 ** (8 * size))
    holders = defaultdict(list)
    for pk in order:
        for choice, weight in data.weights[pk].items():
            holders[choice].append((weight, index[pk]))
    features = {}  # (choice, level weight) -> (step, set of portraits as a big integer)
    for choice, group in holders.items():
        previous = 0
        for level in sorted({weight for weight, _i in group}):
            members = bytearray(len(order) * width)
            for weight, i in group:
                if weight >= level:
                    members[i * width] = 1
            features[choice, level] = (level - previous, int.from_bytes(members, "little"))
            previous = level
    levels = defaultdict(list)
    for (choice, level) in features:
        levels[choice].append(level)
    size, field = len(order) * width, _FIELD_FORMATS[width]
    for pk in order:
        row = 0
        for choice, weight in data.weights[pk].items():
            for level in levels[choice]:
                if level > weight:
                    break
                step, members = features[choice, level]
                row += members * step if step != 1 else members
        yield index[pk], memoryview(row.to_bytes(size, "little")).cast(field), order


def peer_table(survey, *, limit: int = 100, data: PeerData | None = None) -> list[PeerPair]:
    """For staff: the ``limit`` most similar pairs of submitted portraits, whatever their consent."""
    data = data or peer_data(survey)
    totals = data.totals()
    heap: list[tuple[float, int, int]] = []  # the best ``limit`` so far: (score, -i, -j), smallest first
    threshold = 0.0
    order: list[int] = []
    for i, overlaps, order in _table_rows(data):
        # Each row's scores are computed by map() over whole slices (no Python loop per pair).
        after = overlaps[i + 1:]
        if i == 0:
            ordered_totals = [totals[pk] for pk in order]
        unions = map(operator.sub, map(operator.add, repeat(ordered_totals[i]), ordered_totals[i + 1:]), after)
        scores = list(map(operator.truediv, after, unions))
        # Only scores above the worst of the best ``limit`` so far matter (ties: the earlier pair stays).
        if not scores or max(scores) <= threshold:
            continue
        for offset, score in enumerate(scores):
            if score <= threshold:
                continue
            item = (score, -i, -(i + 1 + offset))
            if len(heap) < limit:
                heapq.heappush(heap, item)
            else:
                heapq.heapreplace(heap, item)
            if len(heap) == limit:
                threshold = heap[0][0]
    portraits = data.portraits
    pairs = [(score, order[-i], order[-j]) for score, i, j in heap]
    pairs.sort(key=lambda item: (-item[0], portraits[item[1]].organisation_name.casefold(),
                                 portraits[item[2]].organisation_name.casefold()))
    return [PeerPair(portraits[first], portraits[second], score,
                     shared_choices(data.weights[first], data.weights[second]))
            for score, first, second in pairs]


def suggested_rows(portrait) -> list[dict]:
    """The member's page: each suggested peer with the texts of the choices shared, in the active
    language. Cached per portrait and language until the peers' data changes (comparing with every
    submitted portrait was most of the page)."""
    def compute():
        suggested = peers_for(portrait)
        texts = choice_texts(choice for peer in suggested for choice in peer.shared)
        return [{"peer": peer, "shared": shared_texts(peer.shared, texts)} for peer in suggested]

    key = f"surveys.peers-of.{portrait.survey_id}.{portrait.pk}.{get_language()}"
    return caching.cached_from_peers(portrait.survey_id, key, compute)


@dataclass(frozen=True)
class StaffTable:
    """The staff page's pairs and the survey's counts."""

    limit: int
    pairs: list[PeerPair]
    submitted: int
    consenting: int


def staff_table(survey, *, limit: int) -> StaffTable:
    """``peer_table`` and the counts of the staff page, kept in the cache beside the peers' data and
    forgotten with it (``caching.forget_peers``, a new structure generation): the pairs of 718
    portraits took most of the page's 50 ms at each request, for a table that changes when a
    portrait does."""
    def compute():
        data = peer_data(survey)
        return StaffTable(limit, peer_table(survey, limit=limit, data=data), len(data.portraits),
                          sum(1 for info in data.portraits.values() if info.show_to_peers))

    table = caching.cached(caching.peer_table_key(survey.pk), compute)
    return table if table.limit == limit else compute()


def shared_texts(choice_ids, texts: dict[int, str]) -> list[str]:
    """The shared choices' texts in order, each once: a topic offered in two questions (a challenge
    and a priority) is one topic to the reader."""
    return list(dict.fromkeys(texts[choice] for choice in choice_ids if choice in texts))


def choice_texts(choice_ids) -> dict[int, str]:
    """{choice id: text in the active language (English where the translation is missing)} (1 query)."""
    ids = set(choice_ids)
    if not ids:
        return {}
    return {choice.pk: str(choice.text) for choice in Choice.objects.filter(pk__in=ids)}


def portrait_show_to_peers_set(*, portrait, member, show: bool) -> Portrait:
    """An approved member of the organisation gives or withdraws its consent to be suggested as a peer
    (also after the survey closed: it changes no answer)."""
    from .services import member_can_edit

    if not member_can_edit(member, portrait):
        raise PermissionDenied(_("Only approved members of this organisation can change its portrait."))
    if not portrait.is_submitted:
        raise ValidationError(_("Submit the portrait first: peers are suggested from submitted portraits."))
    Portrait.objects.filter(pk=portrait.pk).update(show_to_peers=bool(show))
    caching.forget_peers(portrait.survey_id)
    portrait.show_to_peers = bool(show)
    return portrait
