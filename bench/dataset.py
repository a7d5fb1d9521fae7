"""The web benchmark's dataset, built in seconds with bulk_create (bench/web.py; tested on a tiny size
in tests/bench/test_web.py so that it does not rot).

Organisations with mixed statuses, regions and countries; members with mixed statuses and join
dates, each with a verified allauth email address; invitations (accepted ones for a quarter of the
members, and pending ones); the current edition; one Secretariat staff user and one approved
member, signed in through sessions made here (wrk sends their cookies).
"""

from dataclasses import dataclass
from datetime import timedelta

PASSWORD = "bench-password-not-secret"
STAFF_EMAIL = "staff@bench.example"
MEMBER_EMAIL = "member00000@bench.example"
COUNTRIES = ["ES", "FR", "CA", "BR", "SN", "KR", "IN", "US", "MX", "DE", "NG", "JP", "AR", "EG", "AU"]
JOB_TITLES = ["City manager", "Chief administrative officer", "Director general", "Head of strategy"]
FIRST_NAMES = ["Ana", "Jean", "Maria", "Kwame", "Min-jun", "Priya", "Lucas", "Fatou", "Sofia", "Omar"]
LAST_NAMES = ["Garcia", "Martin", "Silva", "Mensah", "Kim", "Sharma", "Dubois", "Diop", "Rossi", "Haddad"]
BATCH = 2000
# The benchmark staff account's authenticator app (staff pages and the admin need a second factor).
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"


@dataclass
class Dataset:
    organisations: int
    members: int
    invitations: int
    staff: object
    member: object
    organisation: object


def build(*, organisations: int = 2000, members: int = 20000) -> Dataset:
    """Fill an empty database. Every person shares one pre-hashed password (hashing 20,000 would
    take minutes)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from community import second_factor
    from community.models import (
        SECRETARIAT_GROUP,
        Edition,
        EditionStatus,
        Member,
        MembershipInvitation,
        MemberStatus,
        Organisation,
        OrganisationKind,
        OrganisationStatus,
        Region,
        User,
    )

    now = timezone.now()
    hashed = make_password(PASSWORD)
    regions, kinds = Region.values, OrganisationKind.values
    with transaction.atomic():
        # 90% confirmed members, 5% proposed at sign-up, 5% former.
        org_statuses = [OrganisationStatus.MEMBER, OrganisationStatus.PROPOSED, OrganisationStatus.FORMER]
        org_statuses += [OrganisationStatus.MEMBER] * 17
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Bench City {i:05d}", country=COUNTRIES[i % len(COUNTRIES)], region=regions[i % len(regions)],
                    kind=kinds[i % len(kinds)], population=100_000 + i * 997, website=f"https://city{i}.bench.example",
                    status=org_statuses[i % len(org_statuses)],
                )
                for i in range(organisations)
            ],
            batch_size=BATCH,
        )
        confirmed = [o for o in orgs if o.status == OrganisationStatus.MEMBER] or orgs
        users = User.objects.bulk_create(
            [
                User(email=f"member{i:05d}@bench.example", first_name=FIRST_NAMES[i % 10],
                     last_name=f"{LAST_NAMES[(i // 10) % 10]}-{i}", password=hashed, date_joined=now)
                for i in range(members)
            ],
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=BATCH
        )
        # 70% approved, 20% pending, 10% rejected; member 0 (the signed-in member) is approved.
        member_statuses = [MemberStatus.APPROVED] * 7 + [MemberStatus.PENDING] * 2 + [MemberStatus.REJECTED]
        rows = Member.objects.bulk_create(
            [
                Member(user=u, organisation=confirmed[i % len(confirmed)], job_title=JOB_TITLES[i % 4],
                       preferred_language=("en", "fr", "es")[i % 3], time_zone="Europe/Madrid",
                       privacy_notice_version="2026-01", privacy_consented_at=now,
                       status=member_statuses[i % 10])
                for i, u in enumerate(users)
            ],
            batch_size=BATCH,
        )
        # joined_at is auto_now_add: spread the rows over three years afterwards, 36 updates.
        for month in range(36):
            Member.objects.filter(pk__in=[m.pk for m in rows[month::36]]).update(
                joined_at=now - timedelta(days=30 * month)
            )
        accepted = [
            MembershipInvitation(email=m.user.email, organisation=m.organisation, language=m.preferred_language,
                                 accepted_at=now, member=m)
            for m in rows[::4]
        ]
        pending = [
            MembershipInvitation(email=f"invited{i:05d}@bench.example", organisation=confirmed[i % len(confirmed)])
            for i in range(max(1, members // 20))
        ]
        MembershipInvitation.objects.bulk_create(accepted + pending, batch_size=BATCH)
        Edition.objects.create(year=now.year, theme="Green infrastructure", status=EditionStatus.OPEN,
                               description="The benchmark's edition.")
        staff = User.objects.create(email=STAFF_EMAIL, password=hashed, is_staff=True, first_name="Bench")
        staff.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
        EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
        second_factor.totp_activate(staff, BENCH_TOTP_SECRET)  # staff pages need the second factor
    member = Member.objects.select_related("user", "organisation").get(user__email=MEMBER_EMAIL)
    return Dataset(
        organisations=len(orgs), members=len(rows), invitations=len(accepted) + len(pending), staff=staff,
        member=member, organisation=member.organisation,
    )


def session_for(user) -> str:
    """A signed-in session for `user`, as django.contrib.auth.login() would write it; returns its key.

    For staff, the session also records the passed second factor, as allauth's login would."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from community import second_factor

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.update(second_factor.session_passed_second_factor_data(user))  # staff: the code was entered
    session.create()
    return session.session_key


@dataclass
class SurveyData:
    survey: object
    section: object
    portraits: int
    submitted: int
    answers: int
    save_question: object  # a short text question of the bench member's portrait, for the save benchmark


def build_survey(*, member, portraits: int = 1000, seed: int = 42) -> SurveyData:
    """The current edition's survey, open now: one section of 25 questions of every kind (three of them
    used for peers), and ``portraits`` portraits of confirmed organisations with every question answered,
    written with bulk_create. 70% are submitted, 80% of those agreed to be shown to peers; the bench
    member's organisation's portrait is submitted and shown (so its member sees the section page, saves
    answers and sees peers)."""
    import random

    from django.db import transaction
    from django.utils import timezone

    from community.models import Edition, Organisation, OrganisationStatus
    from surveys.models import (
        Answer,
        AnswerChoice,
        Choice,
        Portrait,
        PortraitStatus,
        Question,
        QuestionKind,
        Section,
        Survey,
    )

    rng = random.Random(seed)
    now = timezone.now()
    K = QuestionKind
    # (kind, number of choices, peer_matching)
    plan = ([(K.MULTIPLE_CHOICE, 10, True), (K.RANKING, 12, True), (K.MULTIPLE_CHOICE, 6, True)]
            + [(K.SINGLE_CHOICE, 4, False)] * 5 + [(K.SCALE, 0, False)] * 4 + [(K.NUMBER, 0, False)] * 4
            + [(K.SHORT_TEXT, 0, False)] * 6 + [(K.LONG_TEXT, 0, False)] * 3)
    with transaction.atomic():
        edition = Edition.objects.get(year=now.year)
        survey = Survey.objects.create(edition=edition, title="Bench Metropolitan Portrait",
                                       opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=15))
        section = Section.objects.create(survey=survey, order=1, title="Everything")
        questions = Question.objects.bulk_create([
            Question(section=section, order=i, kind=kind, text=f"Question {i} ({kind})", required=i < 3,
                     peer_matching=peer, rank_limit=3 if kind == K.RANKING else None,
                     min_value=0 if kind == K.NUMBER else None, max_value=10_000 if kind == K.NUMBER else None,
                     help_text="Help for the question." if i % 4 == 0 else "")
            for i, (kind, _count, peer) in enumerate(plan, start=1)
        ])
        choices = Choice.objects.bulk_create([
            Choice(question=question, order=j, text=f"Choice {j} of question {question.order}")
            for question, (_kind, count, _peer) in zip(questions, plan, strict=True) for j in range(1, count + 1)
        ])
        by_question = {}
        for choice in choices:
            by_question.setdefault(choice.question_id, []).append(choice.pk)
        orgs = list(Organisation.objects.filter(status=OrganisationStatus.MEMBER).order_by("pk")
                    .values_list("pk", flat=True)[:portraits])
        if member.organisation_id not in orgs:
            orgs[-1] = member.organisation_id
        rows = []
        for org in orgs:
            own = org == member.organisation_id
            submitted = own or rng.random() < 0.7
            rows.append(Portrait(survey=survey, organisation_id=org,
                                 status=PortraitStatus.SUBMITTED if submitted else PortraitStatus.DRAFT,
                                 submitted_at=now if submitted else None,
                                 show_to_peers=own or (submitted and rng.random() < 0.8)))
        made = Portrait.objects.bulk_create(rows, batch_size=BATCH)
        answers, picks = [], []
        for portrait in made:
            updated_by = member if portrait.organisation_id == member.organisation_id else None
            for question in questions:
                value = None
                if question.kind == K.SCALE:
                    value = rng.randint(1, 5)
                elif question.kind == K.NUMBER:
                    value = str(rng.randint(0, 10_000))
                elif question.kind == K.SHORT_TEXT:
                    value = f"Answer {rng.randint(1, 99)}"
                elif question.kind == K.LONG_TEXT:
                    value = "We have worked on this with residents for three years. " * 3
                answers.append(Answer(portrait=portrait, question=question, value=value, is_answered=True,
                                      updated_by=updated_by, updated_at=now))
        answers = Answer.objects.bulk_create(answers, batch_size=BATCH)
        for answer in answers:
            question = answer.question
            ids = by_question.get(question.pk)
            if not ids:
                continue
            if question.kind == K.SINGLE_CHOICE:
                chosen, ranked = [rng.choice(ids)], False
            elif question.kind == K.RANKING:
                chosen, ranked = rng.sample(ids, 3), True
            else:
                chosen, ranked = [pk for pk in ids if rng.random() < 0.4] or [ids[0]], False
            picks += [AnswerChoice(answer=answer, choice_id=pk, rank=rank if ranked else None)
                      for rank, pk in enumerate(chosen, start=1)]
        AnswerChoice.objects.bulk_create(picks, batch_size=BATCH)
    save_question = next(q for q in questions if q.kind == K.SHORT_TEXT)
    return SurveyData(survey=survey, section=section, portraits=len(made),
                      submitted=sum(1 for p in made if p.status == PortraitStatus.SUBMITTED), answers=len(answers),
                      save_question=save_question)


@dataclass
class WebinarData:
    event: object
    eligible: int
    extra_portraits: int  # submitted portraits (without answers) added to reach ``eligible``


def build_webinar(*, member, survey, eligible: int = 10_000) -> WebinarData:
    """The current edition's webinar, 20 days ahead, and exactly ``eligible`` eligible members: the
    approved members of organisations with a submitted portrait become its respondents, the bench
    member first. When the survey's submitted portraits have too few approved members, submitted
    portraits without answers (not shown to peers) are added for the next confirmed organisations.
    Nobody is invited: the bench measures "invite all eligible" on it."""
    from django.db import transaction
    from django.utils import timezone

    from community.models import Member, MemberStatus, Organisation, OrganisationStatus
    from events.models import Event, EventKind
    from surveys.models import Portrait, PortraitStatus, Respondent

    now = timezone.now()
    with transaction.atomic():
        starts = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=20)
        event = Event.objects.create(
            edition=survey.edition, kind=EventKind.WEBINAR, title="Bench webinar", title_fr="Webinaire du bench",
            title_es="Webinario del bench", description="What the portraits tell us.", starts_at=starts,
            ends_at=starts + timedelta(minutes=90), time_zone="Europe/Madrid",
            join_url="https://meet.bench.example/j/bench-webinar")
        approved = {}
        for member_id, organisation_id in (Member.objects.filter(status=MemberStatus.APPROVED)
                                           .order_by("organisation_id", "pk").values_list("pk", "organisation_id")):
            approved.setdefault(organisation_id, []).append(member_id)
        submitted = dict(Portrait.objects.filter(survey=survey, status=PortraitStatus.SUBMITTED)
                         .values_list("organisation_id", "pk"))
        reach = sum(len(approved.get(org, [])) for org in submitted)
        extra = []
        if reach < eligible:
            for org in (Organisation.objects.filter(status=OrganisationStatus.MEMBER)
                        .exclude(portraits__survey=survey).order_by("pk").values_list("pk", flat=True)):
                if reach >= eligible:
                    break
                if org in approved:
                    extra.append(Portrait(survey=survey, organisation_id=org, status=PortraitStatus.SUBMITTED,
                                          submitted_at=now, show_to_peers=False))
                    reach += len(approved[org])
            for portrait in Portrait.objects.bulk_create(extra, batch_size=BATCH):
                submitted[portrait.organisation_id] = portrait.pk
        chosen = [(submitted[member.organisation_id], member.pk)]
        for org, portrait in submitted.items():
            chosen += [(portrait, pk) for pk in approved.get(org, []) if pk != member.pk]
        Respondent.objects.bulk_create(
            [Respondent(portrait_id=portrait, member_id=pk, first_saved_at=now, last_saved_at=now)
             for portrait, pk in chosen[:eligible]], batch_size=BATCH, ignore_conflicts=True)
    return WebinarData(event=event, eligible=min(eligible, len(chosen)), extra_portraits=len(extra))
