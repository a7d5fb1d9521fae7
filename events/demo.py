"""The demo webinar of the 2020 edition (``seed_demo``, DEBUG only, through ``demo_seeded``).

The real webinar took place on 16 July 2020, ten days after the survey closed. The survey's demo
moves the survey so that it is open today; the webinar moves by the same amount, so it stays in
the future, after the survey closes, and its invitations can be tried."""

from datetime import UTC, datetime

from django.db import transaction

from surveys.demo import REAL_OPENS
from surveys.models import Survey

from . import services
from .models import Event, EventKind

REAL_STARTS = datetime(2020, 7, 16, 12, 0, tzinfo=UTC)  # 14:00 in Barcelona
REAL_ENDS = datetime(2020, 7, 16, 13, 30, tzinfo=UTC)
DEMO_JOIN_URL = "https://meet.example.org/j/city-managers-2020-webinar"


@transaction.atomic
def seed_demo_webinar(*, edition, staff=None) -> Event:
    survey = Survey.objects.filter(edition=edition).first()
    shift = (survey.opens_at - REAL_OPENS) if survey is not None else None
    starts, ends = (REAL_STARTS + shift, REAL_ENDS + shift) if shift is not None else (REAL_STARTS, REAL_ENDS)
    event = Event.objects.filter(edition=edition, kind=EventKind.WEBINAR).first()
    if event is None:
        event = Event(
            edition=edition, kind=EventKind.WEBINAR, time_zone="Europe/Madrid", join_url=DEMO_JOIN_URL,
            title_en="Green infrastructure: what the portraits tell us",
            title_fr="Infrastructures vertes : ce que disent les portraits",
            title_es="Infraestructura verde: lo que dicen los retratos",
            description_en="The first results of the Metropolitan Portrait, and three cities on their green plans. "
                           "Demo data: the real webinar took place on 16 July 2020.",
            description_fr="Les premiers résultats du Portrait métropolitain, et trois villes présentent leurs plans "
                           "verts. Données de démonstration : le vrai webinaire a eu lieu le 16 juillet 2020.",
            description_es="Los primeros resultados del Retrato metropolitano, y tres ciudades presentan sus planes "
                           "verdes. Datos de demostración: el webinario real tuvo lugar el 16 de julio de 2020.",
        )
    event.starts_at, event.ends_at = starts, ends
    event.save()
    services.invitations_issue(event=event, by=staff)
    return event
