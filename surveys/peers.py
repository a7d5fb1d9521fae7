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
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _

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
    """The survey's submitted portraits and their weighted picks: {portrait id: {choice id: weight}}."""

    portraits: dict[int, PortraitInfo]
    weights: dict[int, dict[int, float]]

    def totals(self) -> dict[int, float]:
        return {pk: sum(picks.values()) for pk, picks in self.weights.items()}


def pick_weight(kind: str, rank: int | None, limit: int) -> float:
    if kind == QuestionKind.RANKING and rank:
        return (limit + 1 - min(rank, limit)) / limit
    return 1.0


def peer_data(survey) -> PeerData:
    """Three queries whatever the number of portraits: the flagged questions, the submitted portraits,
    and every pick of those portraits in those questions (values_list)."""
    questions = {
        pk: (kind, rank_limit or choice_count or 1)
        for pk, kind, rank_limit, choice_count in Question.objects.filter(section__survey=survey, peer_matching=True)
        .annotate(choice_count=Count("choices")).values_list("pk", "kind", "rank_limit", "choice_count")
    }
    portraits = {
        pk: PortraitInfo(pk, organisation_id, name, show)
        for pk, organisation_id, name, show in Portrait.objects.filter(survey=survey, status=PortraitStatus.SUBMITTED)
        .values_list("pk", "organisation_id", "organisation__name", "show_to_peers")
    }
    weights: dict[int, dict[int, float]] = {pk: {} for pk in portraits}
    if questions and portraits:
        rows = (AnswerChoice.objects
                .filter(answer__portrait__survey=survey, answer__portrait__status=PortraitStatus.SUBMITTED,
                        answer__question_id__in=list(questions))
                .values_list("answer__portrait_id", "answer__question_id", "choice_id", "rank"))
        for portrait_id, question_id, choice_id, rank in rows.iterator(chunk_size=5000):
            kind, limit = questions[question_id]
            weights[portrait_id][choice_id] = pick_weight(kind, rank, limit)
    return PeerData(portraits=portraits, weights=weights)


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


def overlaps(data: PeerData) -> dict[tuple[int, int], float]:
    """{(portrait a, portrait b) with a < b: sum of min weights} for every pair sharing a pick.

    An inverted index (choice -> holders) visits only pairs that share something."""
    holders = defaultdict(list)
    for pk in sorted(data.weights):
        for choice, weight in data.weights[pk].items():
            holders[choice].append((pk, weight))
    result: dict[tuple[int, int], float] = defaultdict(float)
    for group in holders.values():
        for index, (first, first_weight) in enumerate(group):
            for second, second_weight in group[index + 1:]:
                result[first, second] += first_weight if first_weight < second_weight else second_weight
    return result


def peer_table(survey, *, limit: int = 100, data: PeerData | None = None) -> list[PeerPair]:
    """For staff: the ``limit`` most similar pairs of submitted portraits, whatever their consent."""
    data = data or peer_data(survey)
    totals = data.totals()
    scored = (
        (overlap / (totals[first] + totals[second] - overlap), first, second)
        for (first, second), overlap in overlaps(data).items()
    )
    portraits = data.portraits
    # Ties at the cut are broken by portrait id (cheap over 500,000 pairs), the page's order by name.
    top = heapq.nlargest(limit, scored, key=lambda item: (item[0], -item[1], -item[2]))
    top.sort(key=lambda item: (-item[0], portraits[item[1]].organisation_name.casefold(),
                               portraits[item[2]].organisation_name.casefold()))
    return [PeerPair(portraits[first], portraits[second], score,
                     shared_choices(data.weights[first], data.weights[second]))
            for score, first, second in top]


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
    portrait.show_to_peers = bool(show)
    return portrait
