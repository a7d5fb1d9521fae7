"""The demo survey: the 2020 Green Infrastructure Metropolitan Portrait (EN/FR/ES), with drafts and
submissions for some demo cities. Loaded by ``seed_demo`` through ``community.signals.demo_seeded``.

The real survey ran 11 June – 6 July 2020; the demo moves those dates so that it is open today, and
says so to staff (the survey's note for staff, shown on its admin page)."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from community.models import Member, MemberStatus

from . import services
from .models import Choice, Portrait, Question, QuestionKind, Section, Survey

REAL_OPENS = datetime(2020, 6, 11, 8, 0, tzinfo=UTC)
REAL_CLOSES = datetime(2020, 7, 6, 22, 0, tzinfo=UTC)

SURVEY = {
    "title": ("Green Infrastructure Metropolitan Portrait", "Portrait métropolitain « Infrastructures vertes »",
              "Retrato Metropolitano «Infraestructura verde»"),
    "introduction": (
        "This portrait describes how your metropolis plans, funds and manages its green infrastructure. "
        "Fill it in with your colleagues: each answer saves by itself. It helps the community find its peers "
        "and choose the topics of the webinar and the City Managers Days.",
        "Ce portrait décrit comment votre métropole planifie, finance et gère ses infrastructures vertes. "
        "Remplissez-le avec vos collègues : chaque réponse s'enregistre d'elle-même. Il aide la communauté à "
        "trouver ses pairs et à choisir les sujets du webinaire et des City Managers Days.",
        "Este retrato describe cómo su metrópolis planifica, financia y gestiona su infraestructura verde. "
        "Complételo con sus colegas: cada respuesta se guarda sola. Ayuda a la comunidad a encontrar a sus "
        "pares y a elegir los temas del seminario web y de los City Managers Days.",
    ),
}

S, M, SC, N, ST, LT, R = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.SCALE,
                          QuestionKind.NUMBER, QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT, QuestionKind.RANKING)

TOPICS = [
    ("Urban forests and tree canopy", "Forêts urbaines et canopée", "Bosques urbanos y arbolado"),
    ("Nature-based solutions for stormwater", "Solutions fondées sur la nature pour les eaux pluviales",
     "Soluciones basadas en la naturaleza para aguas pluviales"),
    ("Heat islands and cooling", "Îlots de chaleur et rafraîchissement", "Islas de calor y refrescamiento"),
    ("Green corridors and biodiversity", "Corridors verts et biodiversité", "Corredores verdes y biodiversidad"),
    ("Green roofs and walls", "Toitures et murs végétalisés", "Techos y muros verdes"),
    ("Urban agriculture", "Agriculture urbaine", "Agricultura urbana"),
    ("Financing green infrastructure", "Financer les infrastructures vertes", "Financiar la infraestructura verde"),
    ("Citizen participation and stewardship", "Participation et implication des habitants",
     "Participación y corresponsabilidad ciudadana"),
]

# (kind, (en, fr, es), options); options: required, choices, help, min/max/unit, labels, rank_limit, show_if,
# peer (used to suggest peers: the climate risks and the two rankings of topics)
SECTIONS = [
    (("Profile of the metropolis", "Profil de la métropole", "Perfil de la metrópolis"), [
        (N, ("Area of the territory you govern", "Superficie du territoire que vous gouvernez",
             "Superficie del territorio que gobierna"),
         {"required": True, "min": 1, "max": 100000, "unit": ("km²", "km²", "km²")}),
        (N, ("Share of the territory that is green or blue space", "Part du territoire en espaces verts ou bleus",
             "Proporción del territorio con espacios verdes o azules"),
         {"required": True, "min": 0, "max": 100, "unit": ("%", "%", "%")}),
        (N, ("Public green space per inhabitant", "Espaces verts publics par habitant",
             "Espacio verde público por habitante"), {"min": 0, "max": 1000, "unit": ("m²", "m²", "m²")}),
        (S, ("Climate of the metropolis", "Climat de la métropole", "Clima de la metrópolis"),
         {"choices": [("Tropical", "Tropical", "Tropical"), ("Dry", "Sec", "Seco"),
                      ("Temperate", "Tempéré", "Templado"), ("Continental", "Continental", "Continental"),
                      ("Mediterranean", "Méditerranéen", "Mediterráneo")]}),
        (ST, ("Department in charge of green infrastructure", "Service chargé des infrastructures vertes",
              "Departamento a cargo de la infraestructura verde"), {}),
    ]),
    (("Green infrastructure policies and plans", "Politiques et plans d'infrastructures vertes",
      "Políticas y planes de infraestructura verde"), [
        (S, ("Does your metropolis have a green infrastructure plan or strategy?",
             "Votre métropole a-t-elle un plan ou une stratégie d'infrastructures vertes ?",
             "¿Tiene su metrópolis un plan o una estrategia de infraestructura verde?"),
         {"required": True, "choices": [("Yes, adopted", "Oui, adopté", "Sí, aprobado"),
                                        ("Being prepared", "En préparation", "En preparación"),
                                        ("No", "Non", "No")]}),
        (ST, ("Name of the plan", "Nom du plan", "Nombre del plan"), {"required": True, "show_if": (0, [0, 1])}),
        (N, ("Year of adoption (or expected)", "Année d'adoption (ou prévue)", "Año de aprobación (o previsto)"),
         {"min": 1990, "max": 2040, "show_if": (0, [0, 1])}),
        (M, ("Which instruments does the plan use?", "Quels instruments le plan utilise-t-il ?",
             "¿Qué instrumentos utiliza el plan?"),
         {"other": True, "show_if": (0, [0, 1]),
          "choices": [("Zoning rules", "Règles d'urbanisme", "Normas urbanísticas"),
                      ("Green space targets", "Objectifs d'espaces verts", "Metas de espacios verdes"),
                      ("Tree planting programme", "Programme de plantation", "Programa de plantación"),
                      ("Incentives for private owners", "Incitations aux propriétaires",
                       "Incentivos a propietarios"),
                      ("Public procurement criteria", "Critères de marchés publics", "Criterios de compra pública")]}),
        (SC, ("How far is green infrastructure part of land-use planning?",
              "Dans quelle mesure les infrastructures vertes font-elles partie de l'urbanisme ?",
              "¿En qué medida la infraestructura verde forma parte de la planificación urbana?"),
         {"required": True, "labels": (("Not at all", "Pas du tout", "En absoluto"),
                                       ("Fully", "Complètement", "Totalmente"))}),
    ]),
    (("Governance and funding", "Gouvernance et financement", "Gobernanza y financiación"), [
        (M, ("Who takes part in decisions on green infrastructure?",
             "Qui participe aux décisions sur les infrastructures vertes ?",
             "¿Quién participa en las decisiones sobre infraestructura verde?"),
         {"other": True, "choices": [("Municipalities of the metropolis", "Communes de la métropole",
                                      "Municipios de la metrópolis"),
                                     ("Regional or national government", "Région ou État", "Región o Estado"),
                                     ("Residents' associations", "Associations d'habitants", "Asociaciones vecinales"),
                                     ("Universities", "Universités", "Universidades"),
                                     ("Private companies", "Entreprises privées", "Empresas privadas")]}),
        (N, ("Yearly budget for green infrastructure", "Budget annuel des infrastructures vertes",
             "Presupuesto anual de infraestructura verde"),
         {"min": 0, "max": 10000, "unit": ("million euros", "millions d'euros", "millones de euros")}),
        (S, ("Main source of funding", "Principale source de financement", "Principal fuente de financiación"),
         {"required": True, "choices": [("Own budget", "Budget propre", "Presupuesto propio"),
                                        ("National transfers", "Transferts nationaux", "Transferencias nacionales"),
                                        ("International funds", "Fonds internationaux", "Fondos internacionales"),
                                        ("Private partners", "Partenaires privés", "Socios privados")]}),
        (SC, ("How well do departments coordinate on green infrastructure?",
              "Les services se coordonnent-ils bien sur les infrastructures vertes ?",
              "¿Cómo se coordinan los departamentos en infraestructura verde?"),
         {"labels": (("Poorly", "Mal", "Mal"), ("Very well", "Très bien", "Muy bien"))}),
        (LT, ("A project you are proud of", "Un projet dont vous êtes fiers", "Un proyecto del que están orgullosos"),
         {"help": ("Its name, what it changed, and who led it.", "Son nom, ce qu'il a changé, et qui l'a porté.",
                   "Su nombre, qué cambió y quién lo lideró.")}),
    ]),
    (("Challenges", "Défis", "Desafíos"), [
        (M, ("Which climate risks affect your metropolis most?",
             "Quels risques climatiques touchent le plus votre métropole ?",
             "¿Qué riesgos climáticos afectan más a su metrópolis?"),
         {"required": True, "other": True, "peer": True,
          "choices": [("Heat waves", "Vagues de chaleur", "Olas de calor"), ("Floods", "Inondations", "Inundaciones"),
                      ("Droughts", "Sécheresses", "Sequías"), ("Landslides", "Glissements de terrain",
                                                               "Deslizamientos"),
                      ("Air pollution", "Pollution de l'air", "Contaminación del aire")]}),
        (SC, ("How hard is it to maintain existing green spaces?",
              "Est-il difficile d'entretenir les espaces verts existants ?",
              "¿Qué tan difícil es mantener los espacios verdes existentes?"),
         {"labels": (("Easy", "Facile", "Fácil"), ("Very hard", "Très difficile", "Muy difícil"))}),
        (SC, ("How strong is the pressure of urban growth on green land?",
              "Quelle est la pression de la croissance urbaine sur les terres vertes ?",
              "¿Qué presión ejerce el crecimiento urbano sobre el suelo verde?"),
         {"labels": (("Weak", "Faible", "Débil"), ("Very strong", "Très forte", "Muy fuerte"))}),
        (LT, ("The main obstacle you face", "Le principal obstacle que vous rencontrez",
              "El principal obstáculo que enfrentan"), {}),
    ]),
    (("Topics of interest", "Sujets d'intérêt", "Temas de interés"), [
        (R, ("Rank up to three topics you most want to work on with peers",
             "Classez jusqu'à trois sujets que vous souhaitez le plus travailler avec vos pairs",
             "Ordene hasta tres temas que más desea trabajar con sus pares"),
         {"required": True, "rank_limit": 3, "choices": TOPICS, "peer": True}),
        (R, ("Rank up to three topics on which you could share experience",
             "Classez jusqu'à trois sujets sur lesquels vous pourriez partager votre expérience",
             "Ordene hasta tres temas en los que podría compartir experiencia"),
         {"rank_limit": 3, "choices": TOPICS, "peer": True}),
    ]),
    (("Peers sought", "Pairs recherchés", "Pares buscados"), [
        (M, ("Which kind of peers are you looking for?", "Quels pairs recherchez-vous ?", "¿Qué pares busca?"),
         {"choices": [("Similar size", "Taille comparable", "Tamaño similar"),
                      ("Same climate", "Même climat", "Mismo clima"), ("Same region", "Même région", "Misma región"),
                      ("More advanced on green infrastructure", "Plus avancés sur les infrastructures vertes",
                       "Más avanzados en infraestructura verde")]}),
        (ST, ("A metropolis you would like to learn from", "Une métropole dont vous aimeriez apprendre",
              "Una metrópolis de la que le gustaría aprender"), {}),
        (LT, ("What would you like to get from the City Managers Days?",
              "Qu'attendez-vous des City Managers Days ?", "¿Qué espera de los City Managers Days?"), {}),
    ]),
]

# Demo cities: (slug, submitted?) — the others have no portrait yet.
PORTRAITS = [("barcelona", True), ("montreal", True), ("seoul", True), ("johannesburg", True),
             ("bogota", False), ("toronto", False), ("dakar", False), ("istanbul", False)]


def _texts(field, values):
    return {f"{field}_{lang}": value for lang, value in zip(("en", "fr", "es"), values, strict=True)}


def _build(edition) -> Survey:
    survey = Survey.objects.create(edition=edition, opens_at=REAL_OPENS, closes_at=REAL_CLOSES,
                                   **_texts("title", SURVEY["title"]), **_texts("introduction", SURVEY["introduction"]))
    for section_order, (title, questions) in enumerate(SECTIONS, start=1):
        section = Section.objects.create(survey=survey, order=section_order, **_texts("title", title))
        created = []
        for order, (kind, text, options) in enumerate(questions, start=1):
            labels = options.get("labels")
            fields = {
                "section": section, "order": order, "kind": kind, "required": options.get("required", False),
                "allow_other": options.get("other", False), "min_value": options.get("min"),
                "max_value": options.get("max"), "rank_limit": options.get("rank_limit"),
                "peer_matching": options.get("peer", False), **_texts("text", text),
            }
            if "help" in options:
                fields.update(_texts("help_text", options["help"]))
            if "unit" in options:
                fields.update(_texts("unit", options["unit"]))
            if labels:
                fields.update(_texts("scale_min_label", labels[0]), **_texts("scale_max_label", labels[1]))
            if "show_if" in options:
                fields["show_if_question"] = created[options["show_if"][0]]
            question = Question.objects.create(**fields)
            choices = [Choice.objects.create(question=question, order=i, **_texts("text", values))
                       for i, values in enumerate(options.get("choices", []), start=1)]
            if "show_if" in options:
                condition = created[options["show_if"][0]]
                picks = list(condition.choices.order_by("order"))
                question.show_if_choices.set([picks[i] for i in options["show_if"][1]])
            question.demo_choices = choices
            created.append(question)
    return survey


def _value(question, index, slug):
    """A plausible answer, different per city (index: the city's position)."""
    choices = list(question.choices.order_by("order"))
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return choices[index % len(choices)].pk if question.required or index % 2 == 0 else ""
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return [c.pk for i, c in enumerate(choices) if (i + index) % 3 != 0]  # cities overlap: peers
    if question.kind == QuestionKind.RANKING:
        limit = question.rank_limit or len(choices)
        return [choices[(index * 5 + i * 3) % len(choices)].pk for i in range(limit)]
    if question.kind == QuestionKind.SCALE:
        return 1 + (index * 2 + question.order) % 5
    if question.kind == QuestionKind.NUMBER:
        low = int(question.min_value or 0)
        high = int(question.max_value or 100)
        return str(low + (index * 37 + question.order * 11) % max(high - low, 1))
    if question.kind == QuestionKind.SHORT_TEXT:
        return f"{slug.replace('-', ' ').title()} — {question.text_en.split()[0]}"
    return (f"In {slug.replace('-', ' ').title()}, we have worked with residents and several departments "
            "on this for three years; we would be glad to compare notes with peers.")


@transaction.atomic
def seed_demo_survey(*, edition, staff=None, now=None) -> Survey:
    """Create the demo survey once (idempotent), move its dates so that it is open ``now``, and give
    some demo cities a draft or a submitted portrait."""
    now = now or timezone.now()
    survey = Survey.objects.filter(edition=edition).first() or _build(edition)
    length = REAL_CLOSES - REAL_OPENS
    survey.opens_at = (now - timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    survey.closes_at = survey.opens_at + length
    survey.staff_note = (
        "Demo data: the real 2020 survey was open from 11 June to 6 July 2020. seed_demo moved these dates so "
        f"that the survey is open today (run on {now:%Y-%m-%d}); set them back before using this survey for real."
    )
    survey.save()
    questions = list(Question.objects.filter(section__survey=survey).select_related("section")
                     .prefetch_related("choices", "show_if_choices").order_by("section__order", "order"))
    members = {m.user.email.split("@")[1].split(".")[0]: m
               for m in Member.objects.filter(status=MemberStatus.APPROVED, user__email__startswith="manager@")
               .select_related("user", "organisation")}
    for index, (slug, submit) in enumerate(PORTRAITS):
        member = members.get(slug)
        if member is None or Portrait.objects.filter(survey=survey, organisation=member.organisation).exists():
            continue
        portrait = services.portrait_get_or_create(survey=survey, organisation=member.organisation)
        # A draft answers the first sections only; a submitted portrait answers everything it shows.
        todo = questions if submit else [q for q in questions if q.section.order <= 2]
        for question in todo:
            try:
                services.answer_save(portrait=portrait, question=question, value=_value(question, index, slug),
                                     member=member, base_version=0, questions=questions,
                                     now=now - timedelta(hours=len(PORTRAITS) - index))
            except ValidationError:
                continue  # hidden by an earlier demo answer
        if submit:
            services.portrait_submit(portrait=portrait, member=member, show_to_peers=index % 3 != 2, now=now)
    return survey
