"""The demo City Managers Days of the 2020 edition (``seed_demo``, DEBUG only, through ``demo_seeded``):
17-19 November 2020 in Barcelona, at the Smart City Expo World Congress (Fira Gran Via), with its
protocol, budget and review criteria, a few webinar attendances, 15 applications (drafts and
submitted), the reviews of a demo reviewer, a selection partly made (some decisions sent, one
confirmed participant who picked site visits) and a programme of sessions and three site visits.

Like the demo webinar, every date moves by as much as the demo survey (``surveys.demo``), so the
days stay four months after the survey closes and the applications are still open. Idempotent: run
twice, the second run only moves the dates (by nothing, the same day)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from community import demo_data, second_factor
from community.models import Member, MemberStatus, User
from surveys.demo import REAL_OPENS
from surveys.models import Survey

from . import applications, programme
from . import days as rules
from .models import (
    Application,
    ApplicationStatus,
    Budget,
    Criterion,
    Decision,
    EligibilityException,
    Event,
    EventKind,
    Invitation,
    Review,
    Rsvp,
    Score,
    Session,
    SessionKind,
)

MADRID = ZoneInfo("Europe/Madrid")
REAL_STARTS = datetime(2020, 11, 17, 9, 0, tzinfo=MADRID)
REAL_ENDS = datetime(2020, 11, 19, 14, 0, tzinfo=MADRID)
REAL_APPLICATIONS_CLOSE = datetime(2020, 10, 1, 23, 59, tzinfo=MADRID)
REVIEWER_EMAIL = "reviewer@demo.example"
REVIEWERS_GROUP = "Reviewers"  # made by a data migration of the review pages; get_or_create by name here

TITLE = ("City Managers Days 2020",) * 3  # the event's name in every language, as the pages write it
DESCRIPTION = (
    "Three days in Barcelona during the Smart City Expo World Congress: plenaries, peer exchanges and site "
    "visits on green infrastructure. Demo data: the real days took place on 17-19 November 2020.",
    "Trois jours à Barcelone pendant le Smart City Expo World Congress : plénières, échanges entre pairs et "
    "visites de terrain sur les infrastructures vertes. Données de démonstration : les vraies journées ont eu "
    "lieu du 17 au 19 novembre 2020.",
    "Tres días en Barcelona durante el Smart City Expo World Congress: plenarias, intercambios entre pares y "
    "visitas de campo sobre infraestructura verde. Datos de demostración: las jornadas reales tuvieron lugar "
    "del 17 al 19 de noviembre de 2020.",
)
PROTOCOL = (
    "Health and safety at Fira Gran Via: wear your badge at all times; follow the staff's instructions and the "
    "evacuation signs; report any symptom of illness to the first-aid point in Hall 2 and stay at your hotel; "
    "masks are available at the entrance; respect the capacity shown at each room's door.",
    "Santé et sécurité à Fira Gran Via : portez votre badge en permanence ; suivez les consignes du personnel et "
    "la signalétique d'évacuation ; signalez tout symptôme au poste de secours du Hall 2 et restez à votre hôtel ; "
    "des masques sont disponibles à l'entrée ; respectez la jauge affichée à la porte de chaque salle.",
    "Salud y seguridad en Fira Gran Via: lleve su acreditación en todo momento; siga las indicaciones del personal "
    "y la señalización de evacuación; comunique cualquier síntoma al punto de primeros auxilios del Pabellón 2 y "
    "permanezca en su hotel; hay mascarillas a la entrada; respete el aforo indicado en la puerta de cada sala.",
)
CRITERIA = [
    (("Motivation and relevance to the theme", "Motivation et lien avec le thème", "Motivación y relación con el tema"),
     ("Does the application show why green infrastructure matters to this city now?",
      "La candidature montre-t-elle pourquoi les infrastructures vertes comptent aujourd'hui pour cette ville ?",
      "¿Muestra la candidatura por qué la infraestructura verde importa hoy a esta ciudad?"), 3),
    (("Contribution to the community", "Contribution à la communauté", "Contribución a la comunidad"),
     ("What will peers learn from this city's experience?", "Qu'apprendront les pairs de l'expérience de cette ville ?",
      "¿Qué aprenderán los pares de la experiencia de esta ciudad?"), 2),
    (("Engagement so far", "Engagement jusqu'ici", "Participación hasta ahora"),
     ("Portrait, webinar, earlier editions.", "Portrait, webinaire, éditions précédentes.",
      "Retrato, seminario web, ediciones anteriores."), 1),
]
# (day, start "HH:MM", end, kind, (en, fr, es), place, capacity), in Barcelona's time
PROGRAMME = [
    (0, "09:30", "10:30", SessionKind.SESSION, ("Welcome and opening plenary", "Accueil et plénière d'ouverture",
                                                "Bienvenida y plenaria de apertura"), "Fira Gran Via, Hall 8", None),
    (0, "11:00", "12:30", SessionKind.SESSION, ("Panel: financing green infrastructure",
                                                "Table ronde : financer les infrastructures vertes",
                                                "Mesa redonda: financiar la infraestructura verde"),
     "Fira Gran Via, Hall 8", None),
    (0, "14:30", "17:30", SessionKind.SITE_VISIT, ("Site visit: the Superblocks of Sant Antoni",
                                                   "Visite : les Superîlots de Sant Antoni",
                                                   "Visita: las Supermanzanas de Sant Antoni"),
     "Mercat de Sant Antoni", 15),
    (0, "14:30", "17:30", SessionKind.SITE_VISIT, ("Site visit: Collserola Natural Park",
                                                   "Visite : le parc naturel de Collserola",
                                                   "Visita: el Parque Natural de Collserola"),
     "Fira Gran Via, Porta Nord", 12),
    (1, "10:00", "12:00", SessionKind.SESSION, ("Workshop: cooling the city, heat islands and trees",
                                                "Atelier : rafraîchir la ville, îlots de chaleur et arbres",
                                                "Taller: refrescar la ciudad, islas de calor y arbolado"),
     "Fira Gran Via, Room CC1.2", None),
    (1, "15:00", "17:30", SessionKind.SITE_VISIT, ("Site visit: the Besòs river park",
                                                   "Visite : le parc fluvial du Besòs",
                                                   "Visita: el parque fluvial del Besòs"),
     "Fira Gran Via, Porta Nord", 20),
    (2, "10:00", "12:00", SessionKind.SESSION, ("Peer exchange: what the portraits tell us",
                                                "Échange entre pairs : ce que disent les portraits",
                                                "Intercambio entre pares: lo que dicen los retratos"),
     "Fira Gran Via, Room CC1.2", None),
    (2, "12:30", "13:30", SessionKind.SESSION, ("Closing and next steps", "Clôture et prochaines étapes",
                                                "Clausura y próximos pasos"), "Fira Gran Via, Hall 8", None),
]
# city slug -> what happens to its manager's application (the four respondents of a submitted demo
# portrait attended the webinar; the others hold a staff exception)
SENT = "sent"
APPLICATIONS = [
    ("montreal", Decision.SELECTED, SENT), ("barcelona", Decision.SELECTED, SENT),
    ("johannesburg", Decision.WAITLISTED, SENT), ("paris", Decision.NOT_SELECTED, SENT),
    ("seoul", Decision.SELECTED, None), ("lisbon", Decision.SELECTED, None), ("mexico-city", Decision.WAITLISTED, None),
    ("santiago", Decision.NOT_SELECTED, None),
    ("brussels", None, None), ("gothenburg", None, None), ("buenos-aires", None, None), ("rabat", None, None),
    ("toronto", "draft", None), ("istanbul", "draft", None), ("kolkata", "draft", None),
]
ATTENDED = ("barcelona", "montreal", "seoul", "johannesburg")
CONFIRMED = "montreal"
CONFIRMED_PICKS = (2, 5)  # indexes in PROGRAMME: Sant Antoni and the Besòs
TEXTS = {
    "motivation": "Our metropolitan green infrastructure plan goes to the council next spring; we want to test "
                  "its financing model and its heat-island measures against what peers have done.",
    "contribution": "Five years of monitoring street trees and green roofs, and the lessons of a participatory "
                    "budget for small parks.",
    "topics": "Financing; heat islands; citizen stewardship.",
}


def _texts(field, values):
    return {f"{field}_{language}": value for language, value in zip(("en", "fr", "es"), values, strict=True)}


def _shift(edition) -> timedelta:
    """As much as the demo survey moved, in whole days, so that the days still start at 09:00 in Barcelona."""
    survey = Survey.objects.filter(edition=edition).first()
    return timedelta(days=(survey.opens_at - REAL_OPENS).days) if survey is not None else timedelta(0)


@transaction.atomic
def seed_demo_days(*, edition, staff=None) -> Event:
    shift = _shift(edition)
    starts, ends = REAL_STARTS + shift, REAL_ENDS + shift
    event = Event.objects.filter(edition=edition, kind=EventKind.IN_PERSON).first()
    moved = timedelta(0) if event is None else starts - event.starts_at
    if event is None:
        event = Event(edition=edition, kind=EventKind.IN_PERSON, time_zone="Europe/Madrid",
                      venue="Fira Gran Via (Smart City Expo World Congress), Av. Joan Carles I 64, L'Hospitalet de "
                            "Llobregat, Barcelona", capacity=25, confirm_within_days=10,
                      **_texts("title", TITLE), **_texts("description", DESCRIPTION), **_texts("protocol", PROTOCOL))
    event.starts_at, event.ends_at = starts, ends
    event.applications_close_at = REAL_APPLICATIONS_CLOSE + shift
    event.save()
    Budget.objects.get_or_create(event=event, defaults={
        "expo_passes": 20, "accommodation_nights": 60, "travel_support_euros": Decimal("15000.00")})
    if moved:  # the survey moved since the last run: the programme moves with the days
        for session in Session.objects.filter(event=event):
            session.starts_at, session.ends_at = session.starts_at + moved, session.ends_at + moved
            session.save(update_fields=["starts_at", "ends_at"])
    if not Criterion.objects.filter(event=event).exists():
        Criterion.objects.bulk_create(
            Criterion(event=event, weight=weight, position=position, **_texts("name", name),
                      **_texts("description", description))
            for position, (name, description, weight) in enumerate(CRITERIA, start=1))
    sessions = list(Session.objects.filter(event=event).order_by("starts_at", "pk"))
    if not sessions:
        sessions = _programme(event, starts)
    if not Application.objects.filter(event=event).exists():
        _applications(event, sessions, staff)
    return event


def _at(first_day, day: int, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    local = first_day.astimezone(MADRID) + timedelta(days=day)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _programme(event, starts) -> list[Session]:
    return [Session.objects.create(event=event, kind=kind, starts_at=_at(starts, day, begin),
                                   ends_at=_at(starts, day, end), location=place, capacity=capacity,
                                   **_texts("title", title))
            for day, begin, end, kind, title, place, capacity in PROGRAMME]


def _reviewer():
    user, created = User.objects.get_or_create(email=REVIEWER_EMAIL, defaults={
        "password": make_password(demo_data.DEMO_PASSWORD), "first_name": "Renata", "last_name": "Reviewer",
        "is_staff": True})
    if created:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=user, email=REVIEWER_EMAIL, defaults={"verified": True,
                                                                                      "primary": True})
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    if not second_factor.second_factor_enabled(user):
        second_factor.totp_activate(user, demo_data.DEMO_TOTP_SECRET)
    return user


def _applications(event, sessions, staff) -> None:
    now = timezone.now()
    members = {member.user.email.split("@")[1].split(".")[0]: member
               for member in Member.objects.filter(status=MemberStatus.APPROVED, user__email__startswith="manager@")
               .select_related("user", "organisation")}
    webinar = Event.objects.filter(edition=event.edition, kind=EventKind.WEBINAR).first()
    if webinar is not None:  # a few attendances: the respondents of the submitted demo portraits
        Invitation.objects.filter(event=webinar, member__in=[members[s] for s in ATTENDED if s in members]).update(
            rsvp=Rsvp.YES, rsvp_at=now - timedelta(days=3), attended=True, minutes_attended=85)
    reviewer = _reviewer()
    criteria = list(Criterion.objects.filter(event=event))
    first_night = (event.starts_at.astimezone(MADRID) - timedelta(days=1)).date()
    to_decide = []
    for index, (slug, decision, sent) in enumerate(APPLICATIONS):
        member = members.get(slug)
        if member is None:
            continue
        if slug not in ATTENDED:
            EligibilityException.objects.get_or_create(
                event=event, member=member, withdrawn_at=None,
                defaults={"reason": "Demo: took part in the 2019 Days; the portrait came by email.",
                          "granted_by": staff})
        draft = decision == "draft"
        nights = (index % 3) + 1
        far = member.organisation.region != "europe"
        application = Application.objects.create(
            event=event, member=member, **TEXTS,
            status=ApplicationStatus.DRAFT if draft else ApplicationStatus.SUBMITTED,
            submitted_at=None if draft else now - timedelta(days=20 - index),
            expo_pass_wanted=True, travel_support_wanted=far,
            travel_cost_estimate=Decimal(600 + 75 * index) if far else None,
            first_night=first_night if slug != "barcelona" else None,  # Barcelona sleeps at home
            nights_wanted=0 if slug == "barcelona" else nights,
            dietary_needs="Vegetarian" if index % 4 == 0 else ("No pork" if index % 5 == 1 else ""),
            accessibility_needs="Step-free access (wheelchair)" if slug == "seoul" else "")
        if draft:
            continue
        values = [((index + position) % 3) + 3 for position in range(len(criteria))]
        weighted = (Decimal(sum(v * c.weight for v, c in zip(values, criteria, strict=True)))
                    / sum(c.weight for c in criteria)).quantize(Decimal("0.01"))
        review = Review.objects.create(application=application, reviewer=reviewer, assigned_by=staff,
                                       assigned_at=now - timedelta(days=14),  # before it was scored
                                       submitted_at=now - timedelta(days=10), weighted_score=weighted,
                                       comment="Clear plan; strong peer-learning potential.")
        Score.objects.bulk_create(Score(review=review, criterion=c, value=v)
                                  for v, c in zip(values, criteria, strict=True))
        application.score, application.review_count = weighted, 1
        application.save(update_fields=["score", "review_count"])
        if decision is not None:
            to_decide.append((application, decision, sent))
    # The decisions sent first (the members were told), then the drafts staff are still working on.
    for only_sent in (True, False):
        for application, decision, sent in to_decide:
            if (sent == SENT) != only_sent:
                continue
            rules.decide(application=application, decision=decision, by=staff)
            if decision == Decision.SELECTED:
                rules.grant(application=application, expo_pass=True, nights=application.nights_wanted,
                            euros=application.travel_cost_estimate or 0, by=staff)
        if only_sent:
            rules.decisions_send(event=event, by=staff)
    participant = Application.objects.filter(event=event, member=members.get(CONFIRMED)).first()
    if participant is not None:
        # As the member would, through the rule (checks, audit entry "application.confirmed").
        participant = applications.application_confirm(
            application=participant, member=participant.member, accept_protocol=True,
            arrival_date=first_night, departure_date=event.ends_at.astimezone(MADRID).date(),
            badge_name=participant.member.full_name, now=now)
        for position in CONFIRMED_PICKS:
            programme.site_visit_pick(participant, sessions[position], participant.member)
