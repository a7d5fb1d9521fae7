"""The portrait's rules as plain functions: validation per kind, versions and conflicts, show-if,
submitting, deadlines, copies and merges."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import services as community_services
from community.models import AuditEntry, Edition
from surveys import services
from surveys.models import Answer, Portrait, PortraitStatus, Respondent, Survey
from surveys.services import Conflict

from ..factories import EditionFactory, MemberFactory, OrganisationFactory
from .conftest import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def portrait(survey, organisation):
    return services.portrait_get_or_create(survey=survey, organisation=organisation)


def save(portrait, question, value, member, base=0, **kwargs):
    return services.answer_save(portrait=portrait, question=question, value=value, member=member,
                                base_version=base, **kwargs)


# ------------------------------------------------------------------------------ validation per kind
@pytest.mark.parametrize(("key", "value", "code"), [
    ("single", "999999", "unknown_choice"),
    ("single", "abc", "unknown_choice"),
    ("single", ["1", "2"], "too_many"),
    ("multiple", ["999999"], "unknown_choice"),
    ("scale", "0", "out_of_range"),
    ("scale", "6", "out_of_range"),
    ("scale", "three", "invalid"),
    ("number", "-1", "out_of_range"),
    ("number", "1001", "out_of_range"),
    ("number", "12abc", "invalid"),
    ("number", "NaN", "invalid"),
    ("number", "1e400", "invalid"),
    ("number", "1e-999999", "too_precise"),
    ("number", "0.0000001", "too_precise"),
    ("short", "x" * 301, "too_long"),
    ("long", "x" * 5001, "too_long"),
    ("short", "nul\x00", "invalid"),
])
def test_invalid_values_are_refused_by_kind_and_nothing_is_saved(survey, portrait, member, key, value, code):
    with pytest.raises(ValidationError) as error:
        save(portrait, survey.q[key], value, member)
    assert error.value.code == code
    assert not Answer.objects.exists()
    assert not Respondent.objects.exists()


def test_choice_from_another_question_is_an_unknown_choice(survey, portrait, member):
    with pytest.raises(ValidationError):
        save(portrait, survey.q["single"], str(survey.q["heat"].pk), member)


def test_ranking_over_the_limit_or_repeated_is_refused(survey, portrait, member):
    topics = survey.q["topics"]
    with pytest.raises(ValidationError):
        save(portrait, survey.q["ranking"], [t.pk for t in topics[:3]], member)
    with pytest.raises(ValidationError):
        save(portrait, survey.q["ranking"], [topics[0].pk, topics[0].pk], member)


def test_valid_values_are_stored_by_kind(survey, portrait, member):
    q = survey.q
    assert save(portrait, q["single"], str(q["yes"].pk), member).choices.get() == q["yes"]
    multiple = save(portrait, q["multiple"], [q["floods"].pk, q["heat"].pk], member, other_text=" Droughts ")
    assert set(multiple.choices.all()) == {q["heat"], q["floods"]}
    assert multiple.other_text == "Droughts"
    assert save(portrait, q["scale"], "4", member).value == 4
    assert save(portrait, q["number"], "12,5", member).value == "12.5"
    assert Decimal(save(portrait, q["number"], "1000", member, base=1).value) == 1000
    assert save(portrait, q["number"], "0.000001", member, base=2).value == "0.000001"
    assert save(portrait, q["number"], "2.5000000000e0", member, base=3).value == "2.5"  # six decimals once normalised
    assert save(portrait, q["short"], "  Parks  ", member).value == "Parks"
    ranking = save(portrait, q["ranking"], [q["topics"][2].pk, q["topics"][0].pk], member)
    assert list(ranking.picked.order_by("rank").values_list("choice_id", "rank")) == [
        (q["topics"][2].pk, 1), (q["topics"][0].pk, 2)]
    assert services.answer_display(q["ranking"], ranking) == "1. Topic 3; 2. Topic 1"


def test_question_of_another_survey_is_refused(survey, portrait, member):
    other = make_survey(EditionFactory(year=2021))
    with pytest.raises(ValidationError) as error:
        save(portrait, other.q["short"], "x", member)
    assert error.value.code == "other_survey"


def test_other_organisation_and_pending_member_cannot_save(survey, portrait, other_member, pending_member):
    for who in (other_member, pending_member):
        with pytest.raises(PermissionDenied):
            save(portrait, survey.q["short"], "x", who)
    assert not Answer.objects.exists()


# ------------------------------------------------------------------------------ joint editing
def test_two_colleagues_on_the_same_answer_get_a_conflict_and_nothing_is_lost(survey, portrait, member):
    colleague = MemberFactory(organisation=member.organisation, user__first_name="Ada", user__last_name="Colau")
    question = survey.q["short"]
    first = save(portrait, question, "Parks department", member)  # both pages now show version 1
    assert first.version == 1
    theirs = save(portrait, question, "Urban ecology office", colleague, base=1)
    assert theirs.version == 2
    result = save(portrait, question, "Green department", member, base=1)  # based on version 1: stale
    assert isinstance(result, Conflict)
    assert result.theirs == "Urban ecology office"
    assert result.by == "Ada Colau"
    assert result.answer.version == 2
    assert result.mine == "Green department"
    assert Answer.objects.get().value == "Urban ecology office"
    # The member chose to keep theirs... or, knowingly, their own: a save based on version 2.
    kept = save(portrait, question, "Green department", member, base=2)
    assert (kept.value, kept.version, kept.updated_by) == ("Green department", 3, member)


def test_saving_the_same_value_again_is_no_conflict(survey, portrait, member):
    colleague = MemberFactory(organisation=member.organisation)
    save(portrait, survey.q["short"], "Parks", member)
    save(portrait, survey.q["short"], "Parks", colleague, base=0)
    assert Answer.objects.get().version == 1


def test_first_answers_from_two_colleagues_conflict_too(survey, portrait, member):
    colleague = MemberFactory(organisation=member.organisation)
    save(portrait, survey.q["scale"], "3", member, base=0)
    assert isinstance(save(portrait, survey.q["scale"], "5", colleague, base=0), Conflict)
    assert Answer.objects.get().value == 3


def test_respondents_are_recorded_with_first_and_last_save(survey, portrait, member):
    colleague = MemberFactory(organisation=member.organisation)
    start = timezone.now()
    save(portrait, survey.q["short"], "a", member, now=start)
    save(portrait, survey.q["long"], "b", colleague, now=start + timedelta(minutes=1))
    save(portrait, survey.q["short"], "c", member, base=1, now=start + timedelta(minutes=5))
    respondent = Respondent.objects.get(member=member)
    assert (respondent.first_saved_at, respondent.last_saved_at) == (start, start + timedelta(minutes=5))
    assert Respondent.objects.count() == 2


# ------------------------------------------------------------------------------ show-if
def test_hidden_question_cannot_be_answered_and_its_answer_goes_when_hidden(survey, portrait, member):
    q = survey.q
    with pytest.raises(ValidationError) as error:
        save(portrait, q["plan_name"], "Plan Verde", member)
    assert error.value.code == "hidden"
    save(portrait, q["single"], str(q["yes"].pk), member)
    save(portrait, q["plan_name"], "Plan Verde", member)
    save(portrait, q["single"], str(q["no"].pk), member, base=1)
    assert not Answer.objects.filter(question=q["plan_name"]).exists()


def test_hidden_required_question_is_not_required(survey, portrait, member):
    q = survey.q
    save(portrait, q["single"], str(q["no"].pk), member)
    save(portrait, q["number"], "10", member)
    assert services.portrait_submit(portrait=portrait, member=member) == []


# ------------------------------------------------------------------------------ submitting
def test_submit_lists_missing_required_then_submits_and_mails_a_copy_in_the_members_language(
        survey, portrait, member, django_capture_on_commit_callbacks):
    q = survey.q
    member.preferred_language = "fr"
    member.save()
    save(portrait, q["single"], str(q["yes"].pk), member)
    missing = services.portrait_submit(portrait=portrait, member=member)
    assert missing == [q["number"], q["plan_name"]]
    portrait.refresh_from_db()
    assert portrait.status == PortraitStatus.DRAFT
    save(portrait, q["number"], "25", member)
    save(portrait, q["plan_name"], "Plan Verde", member)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.portrait_submit(portrait=portrait, member=member, show_to_peers=True) == []
    portrait.refresh_from_db()
    assert (portrait.status, portrait.submitted_by, portrait.show_to_peers) == (PortraitStatus.SUBMITTED, member, True)
    message = mail.outbox[-1]
    assert message.to == [member.user.email]
    assert "Portrait métropolitain" in message.subject
    assert "Avez-vous un plan d'infrastructure verte ?" in message.body
    assert "Oui" in message.body and "Plan Verde" in message.body and "25 m²" in message.body


def test_submitted_portrait_stays_editable_but_required_answers_cannot_be_emptied(survey, portrait, member):
    q = survey.q
    save(portrait, q["single"], str(q["no"].pk), member)
    save(portrait, q["number"], "10", member)
    services.portrait_submit(portrait=portrait, member=member)
    portrait.refresh_from_db()
    assert save(portrait, q["number"], "11", member, base=1).version == 2
    with pytest.raises(ValidationError):
        save(portrait, q["number"], "", member, base=2)


# ------------------------------------------------------------------------------ dates
def test_no_save_before_opening_nor_after_closing_and_the_draft_stays(edition, organisation, member):
    now = timezone.now()
    survey = make_survey(edition, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    portrait = services.portrait_get_or_create(survey=survey, organisation=organisation)
    with pytest.raises(ValidationError) as error:
        save(portrait, survey.q["short"], "x", member)
    assert error.value.code == "not_open"
    save(portrait, survey.q["short"], "draft", member, now=now + timedelta(days=1, hours=1))
    with pytest.raises(ValidationError) as error:
        save(portrait, survey.q["short"], "late", member, base=1, now=now + timedelta(days=2))
    assert error.value.code == "closed"
    with pytest.raises(ValidationError):
        services.portrait_submit(portrait=portrait, member=member, now=now + timedelta(days=3))
    assert Answer.objects.get().value == "draft"


def test_staff_extend_one_organisations_deadline_with_an_audit_entry(edition, organisation, member, staff):
    now = timezone.now()
    survey = make_survey(edition, opens_at=now - timedelta(days=5), closes_at=now - timedelta(days=1))
    portrait = services.portrait_get_or_create(survey=survey, organisation=organisation)
    with pytest.raises(ValidationError):
        services.portrait_deadline_extend(portrait=portrait, until=now - timedelta(days=2), by=staff)
    # The staff walk of 2026-11-29: 9999-12-31 was taken, and the member's portrait pages then failed (500).
    from datetime import UTC, datetime

    with pytest.raises(ValidationError, match="at most a year"):
        services.portrait_deadline_extend(portrait=portrait, until=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), by=staff)
    services.portrait_deadline_extend(portrait=portrait, until=now + timedelta(days=3), by=staff, reason="Elections")
    assert save(portrait, survey.q["short"], "on time", member).value == "on time"
    entry = AuditEntry.objects.for_object(portrait).get()
    assert (entry.action, entry.reason, entry.actor) == ("portrait.deadline_extended", "Elections", staff)
    other = services.portrait_get_or_create(survey=survey, organisation=OrganisationFactory())
    with pytest.raises(ValidationError):
        save(other, survey.q["short"], "x", MemberFactory(organisation=other.organisation))


# ------------------------------------------------------------------------------ copies and merges
def test_survey_is_copied_with_its_edition_without_answers(survey, portrait, member, staff):
    save(portrait, survey.q["single"], str(survey.q["yes"].pk), member)
    new_edition = community_services.edition_copy(source=survey.edition, by=staff)
    copy = Survey.objects.get(edition=new_edition)
    assert copy.title_fr == "Portrait métropolitain"
    assert copy.opens_at.year == survey.opens_at.year + 1
    plan = copy.sections.get(order=2).questions.get()
    assert plan.show_if_question.section.survey == copy
    assert [c.text_fr for c in plan.show_if_choices.all()] == ["Oui"]
    assert not Portrait.objects.filter(survey=copy).exists()
    assert Edition.objects.count() == 2


def test_merge_keeps_the_targets_portrait_and_fills_its_gaps(survey, member, staff):
    from community.models import OrganisationStatus

    target = member.organisation
    duplicate = OrganisationFactory(name="AMB (dup)", status=OrganisationStatus.PROPOSED)
    colleague = MemberFactory(organisation=duplicate)
    kept = services.portrait_get_or_create(survey=survey, organisation=target)
    merged = services.portrait_get_or_create(survey=survey, organisation=duplicate)
    save(kept, survey.q["short"], "Target's", member)
    save(merged, survey.q["short"], "Duplicate's", colleague)
    save(merged, survey.q["long"], "Only in the duplicate", colleague)
    community_services.organisations_merge(sources=[duplicate], target=target, by=staff)
    assert list(Portrait.objects.values_list("pk", flat=True)) == [kept.pk]
    values = dict(Answer.objects.values_list("question__text", "value"))
    assert values == {"Department": "Target's", "Describe": "Only in the duplicate"}
    assert set(Respondent.objects.values_list("member", flat=True)) == {member.pk, colleague.pk}


def test_number_answers_stored_before_the_rule_are_rounded_to_six_decimals(survey, portrait, member):
    """Migration surveys/0005: an answer stored as a million characters is shown and saved again."""
    from importlib import import_module

    from django.apps import apps

    tiny = Answer.objects.create(portrait=portrait, question=survey.q["number"], value="0." + "0" * 999_998 + "1",
                                 is_answered=True)
    short = Answer.objects.create(portrait=portrait, question=survey.q["short"], value="0.12345678", is_answered=True)
    import_module("surveys.migrations.0005_number_answers_at_most_six_decimals").round_to_six(apps, None)
    tiny.refresh_from_db()
    short.refresh_from_db()
    assert (tiny.value, short.value) == ("0", "0.12345678")  # a text answer is not a number
    Answer.objects.filter(pk=tiny.pk).update(value="12.3456789")
    import_module("surveys.migrations.0005_number_answers_at_most_six_decimals").round_to_six(apps, None)
    tiny.refresh_from_db()
    assert tiny.value == "12.345679"
