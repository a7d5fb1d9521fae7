"""Portraits for the results and export tests (tests/surveys/test_results.py, test_exports.py)."""

from django.contrib.auth.models import Permission
from django.utils import timezone

from community import second_factor
from community.models import OrganisationStatus, Region
from surveys import services
from surveys.models import Answer, AnswerChoice, Portrait, PortraitStatus

from ..conftest import STAFF_TOTP_SECRET
from ..factories import MemberFactory, OrganisationFactory, UserFactory


def fill(survey, member, answers: dict, *, submit=True):
    """Save ``answers`` ({question key: value}) as ``member``, then mark the portrait submitted."""
    portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
    for key, value in answers.items():
        other = ""
        if isinstance(value, tuple):
            value, other = value
        saved = services.answer_save(portrait=portrait, question=survey.q[key], value=value, member=member,
                                     base_version=0, other_text=other)
        assert not isinstance(saved, services.Conflict)
    if submit:
        Portrait.objects.filter(pk=portrait.pk).update(status=PortraitStatus.SUBMITTED, submitted_at=timezone.now(),
                                                       submitted_by=member)
    portrait.refresh_from_db()
    return portrait


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    second_factor.totp_activate(user, STAFF_TOTP_SECRET)  # staff pages need the second factor
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="surveys", codename=codename))
    return user


def make_example(survey):
    """Three European organisations (two submitted, one draft), one African (nothing yet), one
    Asian not expected (only a pending member), one proposed organisation (not expected)."""
    q = survey.q
    madrid = MemberFactory(organisation__name="Madrid", organisation__region=Region.EUROPE)
    lyon = MemberFactory(organisation__name="Lyon", organisation__region=Region.EUROPE)
    porto = MemberFactory(organisation__name="Porto", organisation__region=Region.EUROPE)
    dakar = MemberFactory(organisation__name="Dakar", organisation__region=Region.AFRICA)
    MemberFactory(organisation__name="Seoul", organisation__region=Region.ASIA_PACIFIC, status="pending")
    MemberFactory(organisation__name="Proposed City", organisation__status=OrganisationStatus.PROPOSED)
    fill(survey, madrid, {"single": q["yes"].pk, "multiple": ([q["heat"].pk, q["floods"].pk], "Drought"),
                          "scale": 4, "number": "12.5", "ranking": [q["topics"][0].pk, q["topics"][2].pk],
                          "plan_name": "Plan Verde"})
    fill(survey, lyon, {"single": q["no"].pk, "multiple": [q["heat"].pk], "scale": 4, "number": "30",
                        "ranking": [q["topics"][2].pk, q["topics"][0].pk]})
    fill(survey, porto, {"single": q["yes"].pk, "scale": 2, "number": "999",
                         "ranking": [q["topics"][1].pk]}, submit=False)
    return {"madrid": madrid, "lyon": lyon, "porto": porto, "dakar": dakar}


def many_portraits(survey, count):
    """``count`` submitted portraits with an answer to every question, written in bulk."""
    q = survey.q
    organisations = OrganisationFactory.create_batch(count)
    for organisation in organisations:
        MemberFactory(organisation=organisation)
    now = timezone.now()
    portraits = Portrait.objects.bulk_create([
        Portrait(survey=survey, organisation=o, status=PortraitStatus.SUBMITTED, submitted_at=now)
        for o in organisations])
    answers = []
    for i, portrait in enumerate(portraits):
        answers += [Answer(portrait=portrait, question=q["single"], is_answered=True),
                    Answer(portrait=portrait, question=q["multiple"], is_answered=True, other_text="=1+1"),
                    Answer(portrait=portrait, question=q["scale"], value=1 + i % 5, is_answered=True),
                    Answer(portrait=portrait, question=q["number"], value=str(i), is_answered=True),
                    Answer(portrait=portrait, question=q["short"], value=f"Department {i}", is_answered=True),
                    Answer(portrait=portrait, question=q["ranking"], is_answered=True)]
    answers = Answer.objects.bulk_create(answers)
    picks = []
    for answer in answers:
        if answer.question_id == q["single"].pk:
            picks.append(AnswerChoice(answer=answer, choice=q["yes"]))
        elif answer.question_id == q["multiple"].pk:
            picks += [AnswerChoice(answer=answer, choice=q["heat"]), AnswerChoice(answer=answer, choice=q["floods"])]
        elif answer.question_id == q["ranking"].pk:
            picks += [AnswerChoice(answer=answer, choice=q["topics"][1], rank=1),
                      AnswerChoice(answer=answer, choice=q["topics"][0], rank=2)]
    AnswerChoice.objects.bulk_create(picks)
    return portraits
