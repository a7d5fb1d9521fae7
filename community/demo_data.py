"""Demo edition: real cities and metropolitan areas from every world region (figures rounded)."""

DEMO_PASSWORD = "demo-password"
STAFF_EMAIL = "secretariat@demo.example"
# The demo staff account's authenticator app (staff must use a second factor, locally too): a public
# secret, for the demo only. `python manage.py demo_totp` prints its current code; an app can also
# be given this secret (base32, SHA-1, 6 digits, 30 s).
DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"

# Staff write the edition's texts in each language (community/translation.py): theme_en, theme_fr...
EDITION_2020 = {
    "year": 2020,
    "theme_en": "Green infrastructure",
    "theme_fr": "Infrastructures vertes",
    "theme_es": "Infraestructura verde",
    "description_en": (
        "In 2020, the City Managers Community focuses on green infrastructure. "
        "11 June – 6 July: the Green Infrastructure Metropolitan Portrait survey identifies the peers "
        "of the community and their main topics of interest. 16 July: a webinar for the survey's "
        "participants prepares the City Managers Days. 17–19 November: the City Managers Days 2020 "
        "in Barcelona, during the Smart City Expo World Congress."
    ),
    "description_fr": (
        "En 2020, la communauté des City Managers se consacre aux infrastructures vertes. "
        "Du 11 juin au 6 juillet : l'enquête Portrait métropolitain « Infrastructures vertes » identifie "
        "les pairs de la communauté et leurs principaux sujets d'intérêt. 16 juillet : un webinaire pour "
        "les participants à l'enquête prépare les City Managers Days. 17–19 novembre : les City Managers "
        "Days 2020 à Barcelone, pendant le Smart City Expo World Congress."
    ),
    "description_es": (
        "En 2020, la comunidad de City Managers se centra en la infraestructura verde. "
        "Del 11 de junio al 6 de julio: la encuesta Retrato Metropolitano «Infraestructura verde» identifica "
        "a los pares de la comunidad y sus principales temas de interés. 16 de julio: un seminario web para "
        "los participantes en la encuesta prepara los City Managers Days. 17–19 de noviembre: los City "
        "Managers Days 2020 en Barcelona, durante el Smart City Expo World Congress."
    ),
}

# (slug, name, country, region, kind, population, website, language, time zone)
ORGANISATIONS = [
    ("barcelona", "Barcelona Metropolitan Area", "ES", "europe", "metropolitan_area", 3_300_000,
     "https://www.amb.cat", "es", "Europe/Madrid"),
    ("berlin", "Berlin", "DE", "europe", "city", 3_700_000, "https://www.berlin.de", "en", "Europe/Berlin"),
    ("brussels", "Brussels-Capital Region", "BE", "europe", "regional_government", 1_220_000,
     "https://be.brussels", "fr", "Europe/Brussels"),
    ("lisbon", "Lisbon Metropolitan Area", "PT", "europe", "metropolitan_area", 2_870_000,
     "https://www.aml.pt", "en", "Europe/Lisbon"),
    ("paris", "Île-de-France Region", "FR", "europe", "regional_government", 12_300_000,
     "https://www.iledefrance.fr", "fr", "Europe/Paris"),
    ("gothenburg", "Gothenburg", "SE", "europe", "city", 590_000, "https://goteborg.se", "en", "Europe/Stockholm"),
    ("montreal", "Montréal", "CA", "north_america", "city", 1_780_000, "https://montreal.ca", "fr",
     "America/Toronto"),
    ("toronto", "Toronto", "CA", "north_america", "city", 2_790_000, "https://www.toronto.ca", "en",
     "America/Toronto"),
    ("mexico-city", "Mexico City", "MX", "latin_america", "city", 9_200_000, "https://www.cdmx.gob.mx", "es",
     "America/Mexico_City"),
    ("bogota", "Bogotá", "CO", "latin_america", "city", 7_900_000, "https://bogota.gov.co", "es", "America/Bogota"),
    ("buenos-aires", "Buenos Aires", "AR", "latin_america", "city", 3_120_000,
     "https://buenosaires.gob.ar", "es", "America/Argentina/Buenos_Aires"),
    ("sao-paulo", "São Paulo", "BR", "latin_america", "city", 11_450_000, "https://www.capital.sp.gov.br", "en",
     "America/Sao_Paulo"),
    ("quito", "Quito", "EC", "latin_america", "city", 2_800_000, "https://www.quito.gob.ec", "es",
     "America/Guayaquil"),
    ("montevideo", "Montevideo", "UY", "latin_america", "city", 1_320_000, "https://montevideo.gub.uy", "es",
     "America/Montevideo"),
    ("santiago", "Santiago Metropolitan Region", "CL", "latin_america", "regional_government", 7_100_000,
     "https://www.gobiernosantiago.cl", "es", "America/Santiago"),
    ("johannesburg", "Johannesburg", "ZA", "africa", "city", 5_600_000, "https://www.joburg.org.za", "en",
     "Africa/Johannesburg"),
    ("ethekwini", "eThekwini Municipality (Durban)", "ZA", "africa", "metropolitan_area", 3_900_000,
     "https://www.durban.gov.za", "en", "Africa/Johannesburg"),
    ("abidjan", "Abidjan Autonomous District", "CI", "africa", "metropolitan_area", 5_600_000,
     "https://www.districtabidjan.ci", "fr", "Africa/Abidjan"),
    ("dakar", "Dakar", "SN", "africa", "city", 1_200_000, "https://www.villededakar.sn", "fr", "Africa/Dakar"),
    ("rabat", "Rabat", "MA", "africa", "city", 580_000, "https://www.rabat.ma", "fr", "Africa/Casablanca"),
    ("addis-ababa", "Addis Ababa", "ET", "africa", "city", 3_900_000, "https://www.addisababa.gov.et", "en",
     "Africa/Addis_Ababa"),
    ("istanbul", "Istanbul Metropolitan Municipality", "TR", "middle_east", "metropolitan_area", 15_600_000,
     "https://www.ibb.istanbul", "en", "Europe/Istanbul"),
    ("tehran", "Tehran", "IR", "middle_east", "city", 9_000_000, "https://www.tehran.ir", "en", "Asia/Tehran"),
    ("mashhad", "Mashhad", "IR", "middle_east", "city", 3_400_000, "https://www.mashhad.ir", "en", "Asia/Tehran"),
    ("seoul", "Seoul Metropolitan Government", "KR", "asia_pacific", "metropolitan_area", 9_400_000,
     "https://english.seoul.go.kr", "en", "Asia/Seoul"),
    ("guangzhou", "Guangzhou", "CN", "asia_pacific", "city", 18_700_000, "https://www.gz.gov.cn", "en",
     "Asia/Shanghai"),
    ("bangkok", "Bangkok Metropolitan Administration", "TH", "asia_pacific", "metropolitan_area", 5_500_000,
     "https://www.bangkok.go.th", "en", "Asia/Bangkok"),
    ("jakarta", "Jakarta", "ID", "asia_pacific", "regional_government", 10_600_000,
     "https://jakarta.go.id", "en", "Asia/Jakarta"),
    ("kolkata", "Kolkata Metropolitan Development Authority", "IN", "asia_pacific", "metropolitan_area",
     14_800_000, "https://www.kmdaonline.org", "en", "Asia/Kolkata"),
    ("melbourne", "Melbourne", "AU", "asia_pacific", "city", 5_000_000, "https://www.melbourne.vic.gov.au", "en",
     "Australia/Melbourne"),
]

# Members who signed up and wait for the secretariat, to try the approval flow on.
PENDING = ["berlin", "dakar", "quito"]

FIRST_NAMES = {"en": "Alex", "fr": "Camille", "es": "Andrea"}
