"""Peers: the ranking on a small hand-checked example, consent in both directions, the shared topics
named in the member's language, and who may see the member page and the staff table."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from community import second_factor
from surveys import peers
from surveys.models import Answer, AnswerChoice, Portrait, PortraitStatus, Question, QuestionKind

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory
from .conftest import make_survey

pytestmark = pytest.mark.django_db


def give(survey, organisation, *, challenges=(), ranking=(), single=None, show=True, submitted=True):
    """A portrait with these picks, written directly (the rules of saving are tested elsewhere)."""
    q = survey.q
    portrait = Portrait.objects.create(
        survey=survey, organisation=organisation, show_to_peers=show,
        status=PortraitStatus.SUBMITTED if submitted else PortraitStatus.DRAFT,
        submitted_at=timezone.now() if submitted else None)
    for question, picks, ranked in ((q["multiple"], challenges, False), (q["ranking"], ranking, True),
                                    (q["single"], [single] if single else [], False)):
        if picks:
            answer = Answer.objects.create(portrait=portrait, question=question, is_answered=True)
            AnswerChoice.objects.bulk_create([AnswerChoice(answer=answer, choice=choice, rank=i if ranked else None)
                                              for i, choice in enumerate(picks, start=1)])
    return portrait


@pytest.fixture
def example(edition):
    """Four organisations. Challenges (multiple choice) weigh 1 each; the ranking (rank up to 2) weighs 1
    for a first place and 1/2 for a second. The single choice is not used for peers.

    A: heat, floods; T1, T2  -> heat 1, floods 1, T1 1, T2 1/2   (total 3.5)
    B: heat; T1, T3          -> heat 1, T1 1, T3 1/2              (total 2.5)
    C: floods; T2            -> floods 1, T2 1                    (total 2)
    D: T3, T4                -> T3 1, T4 1/2                      (total 1.5)

    A-B: shared heat 1 + T1 1 = 2, union 3.5 + 2.5 - 2 = 4          -> 0.5
    A-C: shared floods 1 + T2 min(1/2, 1) = 1.5, union 3.5 + 2 - 1.5 = 4 -> 0.375
    B-D: shared T3 min(1/2, 1) = 0.5, union 2.5 + 1.5 - 0.5 = 3.5   -> 1/7
    A-D, B-C, C-D: nothing shared                                  -> 0 (never suggested)
    """
    survey = make_survey(edition)
    q = survey.q
    Question.objects.filter(pk__in=[q["multiple"].pk, q["ranking"].pk]).update(peer_matching=True)
    t1, t2, t3, t4 = q["topics"]
    orgs = {name: OrganisationFactory(name=name) for name in ("Aarhus", "Bilbao", "Cali", "Dakar", "Essen")}
    portraits = {
        "A": give(survey, orgs["Aarhus"], challenges=[q["heat"], q["floods"]], ranking=[t1, t2], single=q["yes"]),
        "B": give(survey, orgs["Bilbao"], challenges=[q["heat"]], ranking=[t1, t3], single=q["no"]),
        "C": give(survey, orgs["Cali"], challenges=[q["floods"]], ranking=[t2]),
        "D": give(survey, orgs["Dakar"], ranking=[t3, t4], single=q["yes"]),
        # A draft identical to A: drafts are never peers.
        "E": give(survey, orgs["Essen"], challenges=[q["heat"], q["floods"]], ranking=[t1, t2], submitted=False,
                  show=False),
    }
    survey.portraits_by_letter = portraits
    return survey


def names(result):
    return [(peer.portrait.organisation_name, round(peer.score, 6)) for peer in result]


def test_peers_are_ranked_by_weighted_jaccard_on_the_hand_checked_example(example):
    p, q = example.portraits_by_letter, example.q
    assert names(peers.peers_for(p["A"])) == [("Bilbao", 0.5), ("Cali", 0.375)]
    assert names(peers.peers_for(p["B"])) == [("Aarhus", 0.5), ("Dakar", round(1 / 7, 6))]
    assert names(peers.peers_for(p["C"])) == [("Aarhus", 0.375)]
    assert names(peers.peers_for(p["D"])) == [("Bilbao", round(1 / 7, 6))]
    assert peers.peers_for(p["E"]) == []  # a draft has no peers
    # The shared choices, the strongest shared weight first.
    a_peers = peers.peers_for(p["A"])
    assert a_peers[0].shared == (q["heat"].pk, q["topics"][0].pk)
    assert a_peers[1].shared == (q["floods"].pk, q["topics"][1].pk)
    assert a_peers[0].percent == 50


def test_a_topic_offered_in_two_questions_is_named_once(example, client, staff):
    """The walk of 2026-11-29: "Urban forests, Urban forests" when both organisations picked the topic
    in the challenges and in the ranking."""
    p, q = example.portraits_by_letter, example.q
    type(q["topics"][0]).objects.filter(pk=q["topics"][0].pk).update(text="Heat waves")  # as the challenge
    rows = peers.suggested_rows(p["A"])
    assert rows[0]["peer"].portrait.organisation_name == "Bilbao"
    assert rows[0]["shared"] == ["Heat waves"]
    client.force_login(staff)
    table = client.get(reverse("surveys:staff_peers")).content.decode()
    assert "Heat waves, Heat waves" not in table and "Heat waves" in table


def test_staff_table_lists_every_pair_that_shares_something_in_order(example):
    pairs = peers.peer_table(example)
    assert [(pair.first.organisation_name, pair.second.organisation_name, round(pair.score, 6)) for pair in pairs] == [
        ("Aarhus", "Bilbao", 0.5), ("Aarhus", "Cali", 0.375), ("Bilbao", "Dakar", round(1 / 7, 6))]
    assert len(peers.peer_table(example, limit=1)) == 1


def test_the_table_and_the_member_view_agree(example):
    data = peers.peer_data(example)
    table = {(pair.first.portrait_id, pair.second.portrait_id): pair.score for pair in peers.peer_table(example)}
    for portrait in example.portraits_by_letter.values():
        for peer in peers.peers_for(portrait, data=data, limit=10):
            key = tuple(sorted((portrait.pk, peer.portrait.portrait_id)))
            assert table[key] == pytest.approx(peer.score)


def test_only_questions_marked_for_peers_count(example):
    q = example.q
    Question.objects.filter(pk=q["ranking"].pk).update(peer_matching=False)
    # Challenges only: A {heat, floods}, B {heat} -> 1/2; A-C {floods} -> 1/2; B-D, A-D nothing.
    assert names(peers.peers_for(example.portraits_by_letter["A"])) == [("Bilbao", 0.5), ("Cali", 0.5)]
    assert peers.peers_for(example.portraits_by_letter["D"]) == []


def test_an_organisation_that_did_not_agree_is_never_suggested_and_sees_no_peers(example):
    p = example.portraits_by_letter
    Portrait.objects.filter(pk=p["C"].pk).update(show_to_peers=False)
    assert names(peers.peers_for(p["A"])) == [("Bilbao", 0.5)]  # Cali not suggested
    p["C"].refresh_from_db()
    assert peers.peers_for(p["C"]) == []  # and Cali, not shown, sees nobody
    # Staff still see the whole table, Cali's pair included.
    assert len(peers.peer_table(example)) == 3


def test_consent_is_changed_by_members_of_a_submitted_portrait_only(example, member, other_member):
    p = example.portraits_by_letter
    member.organisation = p["B"].organisation
    member.save()
    peers.portrait_show_to_peers_set(portrait=p["B"], member=member, show=False)
    assert names(peers.peers_for(p["A"])) == [("Cali", 0.375)]
    with pytest.raises(PermissionDenied):
        peers.portrait_show_to_peers_set(portrait=p["B"], member=other_member, show=True)
    draft_member = MemberFactory(organisation=p["E"].organisation)
    with pytest.raises(ValidationError):
        peers.portrait_show_to_peers_set(portrait=p["E"], member=draft_member, show=True)
    assert not Portrait.objects.get(pk=p["E"].pk).show_to_peers


def test_only_choice_questions_can_be_used_for_peers(edition):
    survey = make_survey(edition)
    question = survey.q["short"]
    question.peer_matching = True
    with pytest.raises(ValidationError) as error:
        question.full_clean()
    assert "peer_matching" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(peer_matching=True)
    survey.q["ranking"].peer_matching = True
    survey.q["ranking"].full_clean()  # a ranking may


# ------------------------------------------------------------------------------ pages
def member_of(portrait, **kwargs):
    return MemberFactory(organisation=portrait.organisation, **kwargs)


def test_member_page_lists_peers_with_shared_topics_in_the_members_language(client, example):
    q = example.q
    q["heat"].text_fr = "Vagues de chaleur"
    q["heat"].save()
    q["topics"][0].text_fr = "Forêts urbaines"
    q["topics"][0].save()
    member = member_of(example.portraits_by_letter["A"], preferred_language="fr")
    client.force_login(member.user)
    response = client.get(reverse("surveys:peers", args=[example.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Bilbao") < body.index("Cali")
    assert "Vagues de chaleur, Forêts urbaines" in body
    assert "Floods, Topic 2" in body  # no French text: English
    assert "50" in body and "Dakar" not in body and "Essen" not in body


def test_member_page_of_an_organisation_not_shown_offers_consent_and_lists_nobody(client, example):
    p = example.portraits_by_letter
    Portrait.objects.filter(pk=p["C"].pk).update(show_to_peers=False)
    member = member_of(p["C"])
    client.force_login(member.user)
    url = reverse("surveys:peers", args=[example.pk])
    response = client.get(url)
    assert 'data-peers-consent="no"' in response.content.decode() and "Aarhus" not in response.content.decode()
    response = client.post(url, {"show_to_peers": "1"})
    assert response.status_code == 302 and Portrait.objects.get(pk=p["C"].pk).show_to_peers
    assert "Aarhus" in client.get(url).content.decode()
    client.force_login(member_of(p["A"]).user)
    assert "Cali" in client.get(url).content.decode()


def test_member_page_permissions(client, example, staff):
    p = example.portraits_by_letter
    url = reverse("surveys:peers", args=[example.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    pending = member_of(p["A"], status="pending")
    client.force_login(pending.user)
    assert client.get(url)["Location"] == reverse("community:membership_status")
    assert client.post(url, {"show_to_peers": "0"}).status_code == 302
    assert Portrait.objects.get(pk=p["A"].pk).show_to_peers  # unchanged by a pending member
    client.force_login(member_of(p["E"]).user)  # a draft portrait: no peers yet
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("surveys:portrait", args=[example.pk])
    client.force_login(MemberFactory(organisation=OrganisationFactory()).user)  # no portrait at all
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))  # staff have the table, not this page
    assert client.get(url).status_code == 403
    client.force_login(member_of(p["A"]).user)
    assert client.get(url).status_code == 200


def test_staff_table_needs_the_permission(client, example, staff, member):
    url = reverse("surveys:staff_peers")
    assert client.get(url).status_code == 302
    client.force_login(member.user)
    assert client.get(url).status_code == 403
    other_staff = UserFactory(is_staff=True)  # staff (with a second factor) without the portraits' view permission
    second_factor.totp_activate(other_staff, STAFF_TOTP_SECRET)
    client.force_login(other_staff)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Bilbao") < body.index("Cali") < body.index("Dakar")
    assert client.get(url, {"survey": example.pk}).status_code == 200
    assert client.get(url, {"survey": "nope"}).status_code == 404
    assert client.get(url, {"survey": "0"}).status_code == 404


def test_staff_table_follows_the_portraits_and_organisations_it_shows(client, example, staff):
    """The table is kept in the cache: a renamed organisation or a newly submitted portrait shows at once."""
    client.force_login(staff)
    url = reverse("surveys:staff_peers")
    body = client.get(url).content.decode()
    assert "Bilbao" in body and "Essen" not in body
    bilbao = example.portraits_by_letter["B"].organisation
    bilbao.name = "Bilbo"
    bilbao.save()
    body = client.get(url).content.decode()
    assert "Bilbo" in body and "Bilbao" not in body
    essen = example.portraits_by_letter["E"]  # a draft with Aarhus's picks
    essen.status, essen.submitted_at = PortraitStatus.SUBMITTED, timezone.now()
    essen.save()
    body = client.get(url).content.decode()
    assert "Essen" in body and "5 submitted portraits" in body


def test_staff_page_is_listed_for_staff(client, staff):
    from community.staff import staff_pages

    assert "survey-peers" in [page.key for page in staff_pages.visible_to(staff)]


@pytest.mark.parametrize("size", [4, 40])
def test_peer_pages_cost_the_same_queries_whatever_the_number_of_portraits(
        client, edition, staff, size, django_assert_max_num_queries):
    survey = make_survey(edition)
    q = survey.q
    Question.objects.filter(pk__in=[q["multiple"].pk, q["ranking"].pk]).update(peer_matching=True)
    portraits = [give(survey, OrganisationFactory(), challenges=[q["heat"]], ranking=q["topics"][i % 3:i % 3 + 2])
                 for i in range(size)]
    client.force_login(member_of(portraits[0]).user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("surveys:peers", args=[survey.pk])).status_code == 200
    client.force_login(staff)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("surveys:staff_peers")).status_code == 200


def test_peers_survive_a_closed_survey(example):
    example.closes_at = timezone.now() - timedelta(minutes=1)
    example.opens_at = example.closes_at - timedelta(days=20)
    example.save()
    assert names(peers.peers_for(example.portraits_by_letter["A"]))[0] == ("Bilbao", 0.5)


def test_demo_cities_have_peers(settings):
    from django.core.management import call_command

    from surveys.models import Survey

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    survey = Survey.objects.get()
    assert Question.objects.filter(section__survey=survey, peer_matching=True).count() == 3
    barcelona = Portrait.objects.get(survey=survey, organisation__name__icontains="Barcelona")
    suggested = [peer.portrait.organisation_name for peer in peers.peers_for(barcelona)]
    assert suggested and all(peer.shared for peer in peers.peers_for(barcelona))
    assert not any("Seoul" in name for name in suggested)  # Seoul's portrait did not agree to be shown
    assert Portrait.objects.filter(survey=survey, organisation__name__icontains="Seoul", show_to_peers=False).exists()
    assert all(kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING) for kind in Question.objects.filter(
        peer_matching=True).values_list("kind", flat=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_staff_table_equals_a_brute_force_comparison_of_every_pair(seed):
    """The table adds big-integer rows (peers._table_rows); every pair compared one by one must agree."""
    import random

    rng = random.Random(seed)
    infos = {pk: peers.PortraitInfo(pk, pk, f"City {pk:03d}", True) for pk in range(1, 61)}
    weights = {}
    for pk in infos:
        picks = {c: 6 for c in range(8) if rng.random() < 0.4}  # multiple choice: the unit, 6
        picks.update({c: (4 - rank) * 2 for rank, c in enumerate(rng.sample(range(10, 16), 3), start=1)})  # of 3
        picks.update({c: 6 - rank for rank, c in enumerate(rng.sample(range(20, 30), rng.randint(0, 2)), start=1)})
        weights[pk] = picks if pk % 17 else {}  # some portraits picked nothing
    data = peers.PeerData(infos, weights, unit=6)
    brute = sorted(((peers.similarity(weights[a], weights[b]), a, b) for a in infos for b in infos
                    if a < b and weights[a] and weights[b]), key=lambda item: (-item[0], item[1], item[2]))
    brute = [item for item in brute if item[0] > 0]
    for limit in (1, 25, 10_000):
        table = peers.peer_table(None, limit=limit, data=data)
        assert [(round(p.score, 12), p.first.portrait_id, p.second.portrait_id) for p in table] == [
            (round(score, 12), a, b) for score, a, b in brute[:limit]]


def test_member_page_is_computed_once_and_again_after_any_change_to_the_peers(client, example, monkeypatch):
    p = example.portraits_by_letter
    computed = []
    original = peers.peers_for
    monkeypatch.setattr(peers, "peers_for", lambda portrait, **kw: computed.append(portrait.pk) or original(
        portrait, **kw))
    client.force_login(member_of(p["A"]).user)
    url = reverse("surveys:peers", args=[example.pk])
    assert "Bilbao" in client.get(url).content.decode()
    assert "Bilbao" in client.get(url).content.decode()
    assert computed == [p["A"].pk]
    # Bilbao withdraws its consent (a member's action): gone from Aarhus' suggestions at once.
    peers.portrait_show_to_peers_set(portrait=p["B"], member=member_of(p["B"]), show=False)
    assert "Bilbao" not in client.get(url).content.decode()
    # Cali is renamed (its name is in the peers' data).
    cali = p["C"].organisation
    cali.name = "Santiago de Cali"
    cali.save()
    assert "Santiago de Cali" in client.get(url).content.decode()
    # Another language: its own entry (the shared choices' texts).
    client.post(reverse("set_language"), {"language": "es"})
    client.get(url)
    assert len(computed) == 4
