"""Source categories mapped to our slugs (CATEGORY_NAMES in outings/catalog/models.py).

Explicit tables first; keywords (in English, Spanish, German, French and Russian) for the rows a
table cannot place (Madrid's "featured programme", NPS "Thing To Do", Wikivoyage `do`); "other"
when nothing fits. Every value here must be a key of CATEGORY_NAMES (a test checks it).
"""

import re

from outings.catalog.importers.core import normal_key

# Keys are `normal_key` forms, so "Celebration" and "Celebrations" land on the same entry.
TORONTO = {
    normal_key(name): slug
    for name, slug in [
        ("Arts/Exhibits", "arts"),
        ("Artisan", "arts"),
        ("Museum", "arts"),
        ("Cultural", "arts"),
        ("Live Performances", "performances"),
        ("Comedy", "performances"),
        ("Dance", "performances"),
        ("Theatre", "performances"),
        ("Music", "music"),
        ("Nightlife", "music"),
        ("Film", "film"),
        ("Environmental", "outdoors"),
        ("Family/Children", "family"),
        ("Camp", "family"),
        ("Food/Culinary", "food"),
        ("Farmers Market", "food"),
        ("Charity/Cause", "community"),
        ("LGBTQ2S+", "community"),
        ("2SLGBTQ+", "community"),
        ("Indigenous", "community"),
        ("Public Square", "community"),
        ("Trivia", "community"),
        ("History", "sights"),
        ("Celebrations", "festivals"),
        ("Street Festival", "festivals"),
        ("Parade", "festivals"),
        ("Seminars/Workshops", "workshops"),
        ("Literary", "talks"),
        ("Talks", "talks"),
        ("Tour", "tours"),
        ("Walking", "tours"),
        ("Sports", "sports"),
        ("Run/Walk", "sports"),
        ("Running", "sports"),
        ("Cycling", "sports"),
        ("Consumer Show/Convention", "other"),
        ("Virtual/Online Event", "other"),
        ("Other", "other"),
    ]
}

# Toronto's tags, one spelling each: keys are `normal_key` forms, values the label we keep.
TORONTO_TAGS = {
    normal_key("Celebrations"): "Celebration",
    normal_key("Farmers Market"): "Farmers Market",
    normal_key("LGBTQ2S+"): "2SLGBTQ+",
    normal_key("2SLGBTQ+"): "2SLGBTQ+",
    normal_key("Running"): "Run/Walk",
}

# The Madrid agenda's CamelCase slugs. Those meaning "featured" or "in every district" say
# nothing about the activity and go to the keywords.
MADRID = {
    "ActividadesCalleArteUrbano": "festivals",
    "ActividadesDeportivas": "sports",
    "ActividadesEscolares": "family",
    "Ajedrez": "workshops",
    "Arte": "arts",
    "Belenes": "festivals",
    "Cabalgatas": "festivals",
    "Campamentos": "family",
    "CantautorFolkCountry": "music",
    "CapacitacionDigital": "workshops",
    "CarrerasMaratones": "sports",
    "Ciclismo": "sports",
    "CineActividadesAudiovisuales": "film",
    "CineDocumental": "film",
    "CineExperimental": "film",
    "CircoMagia": "performances",
    "CircoPerformanceTeatro": "performances",
    "Clasica": "music",
    "ClasicaEspanola": "music",
    "ClubesLectura": "talks",
    "ComediaMonologo": "performances",
    "ComemoracionesHomenajes": "community",
    "ConcursosCertamenes": "community",
    "ConferenciasColoquios": "talks",
    "CongresosJornadas": "talks",
    "ContemporaneaBreakdanceHipHop": "performances",
    "CoroGospel": "music",
    "CuentacuentosTiteresMarionetas": "family",
    "CulturaLibre": "community",
    "CursosTalleres": "workshops",
    "DanzaBaile": "performances",
    "DjsElectronicaExperimental": "music",
    "EnLinea": "other",
    "EtnicaBatucada": "music",
    "ExcursionesItinerariosVisitas": "tours",
    "Exposiciones": "arts",
    "Ferias": "festivals",
    "Fiestas": "festivals",
    "FiestasCarnavales": "festivals",
    "FiestasNavidadesReyes": "festivals",
    "FiestasSanIsidro": "festivals",
    "Flamenco": "performances",
    "FolcloreEtnica": "music",
    "Historia": "talks",
    "Idiomas": "workshops",
    "ItinerariosOtrasActividadesAmbientales": "outdoors",
    "JazzSoulFunkySwingReagge": "music",
    "LatinaEspanola": "music",
    "LGTBI": "community",
    "Literatura": "talks",
    "MusicalCabaret": "performances",
    "Musica": "music",
    "Opera": "music",
    "Patinaje": "sports",
    "Performance": "performances",
    "RapHipHop": "music",
    "RecitalesPresentacionesActosLiterarios": "talks",
    "RockPop": "music",
    "SalonTango": "performances",
    "TeatroPerformance": "performances",
    "Tenis": "sports",
    "Zarzuela": "music",
}

NPS = {"Tour": "tours"}

# Word stems per slug, tried in this order (the first match wins). Matched at a word start,
# case-insensitively, on the title (and the start of the description where there is one).
KEYWORDS: list[tuple[str, str]] = [
    ("film", r"cine|film|kino|movie|película|documental|фильм|кино"),
    (
        "music",
        r"concert|concierto|konzert|música|musica|music|philharmon|jazz|opera|oper\b|orquesta|"
        r"chor|coro|концерт|филармон|музыкальн",
    ),
    (
        "performances",
        r"theat|teatro|théâtre|театр|comedy|comedia|circo|cirque|zirkus|цирк|"
        r"danza|tanz|danse|ballet|балет|magia|títeres|varieté|kabarett",
    ),
    (
        "food",
        r"cook|kochen|cocina|cuisine|gastronom|wine|vino|wein|vin\b|brauerei|brewery|"
        r"dégustation|degustación|market|mercado|marché|markt|рынок",
    ),
    ("workshops", r"taller|workshop|curso|class\b|kurs|atelier|мастер-класс|stage\b"),
    (
        "talks",
        r"conferencia|charla|coloquio|lecture|talk\b|vortrag|lectura|libro|"
        r"presentación|лекци|universit|университет|bibliot",
    ),
    (
        "family",
        r"cuentacuento|infantil|niños|familia|kids|junior ranger|children|kinder|"
        r"enfant|zoo|aquarium|tierpark|зоопарк|аквапарк|aquapark|freizeitpark|"
        r"parc d'attraction|parque de atracciones|safari",
    ),
    ("festivals", r"fiesta|festival|carnaval|karneval|fête|фестивал|праздник|navidad"),
    (
        "sports",
        r"sport|deport|спорт|kayak|canoe|kanu|paddl|bike|cycl|rad\b|vélo|велосипед|"
        r"climb|kletter|escalade|ski|golf|tennis|bowling|swim|schwimm|piscine|"
        r"бассейн|bad\b|therme|stadion|stade|стадион|eisbahn|patin|каток|fish|"
        r"angeln|pêche|surf|dive\b|diving|plongée|tauch|rafting|reit|équitation|horse",
    ),
    (
        "tours",
        r"tour|visita|ruta|itinerario|paseo|guided|führung|randonnée guidée|"
        r"экскурси|walk\b|boat|schiff|bateau|croisière|ferry",
    ),
    (
        "arts",
        r"museum|musée|museo|музей|exhibit|exposici|ausstellung|galer|галере|art\b|"
        r"kunst|arte\b",
    ),
    (
        "sights",
        r"church|kirche|église|iglesia|церковь|собор|cathedral|castle|burg|schloss|"
        r"château|castillo|замок|monument|памятник|fort\b|festung|historic",
    ),
    (
        "outdoors",
        r"hike|hiking|trail|wander|sentier|sendero|park|parc|parque|парк|garden|"
        r"garten|jardin|jardín|сад|beach|strand|plage|playa|пляж|lake|lac\b|"
        r"see\b|озеро|mountain|berg|montagne|гора|birding|stargaz|camp|nature|"
        r"natur|wildlife|canyon|waterfall|wasserfall|cascade|водопад",
    ),
]
_KEYWORDS = [(slug, re.compile(rf"(?<!\w)(?:{stems})", re.IGNORECASE)) for slug, stems in KEYWORDS]


def by_keywords(text: str, default: str) -> str:
    """The first slug whose keywords occur in `text`, else `default`."""
    for slug, pattern in _KEYWORDS:
        if pattern.search(text):
            return slug
    return default


def toronto_category(category: str, text: str) -> str:
    return TORONTO.get(normal_key(category)) or by_keywords(text, "other")


def toronto_tag(tag: str) -> str:
    tag = " ".join(tag.split())
    return TORONTO_TAGS.get(normal_key(tag), tag)


def madrid_category(category: str, text: str) -> str:
    return MADRID.get(category.strip()) or by_keywords(text, "other")


def nps_category(record_type: str, text: str) -> str:
    """'Tour' → tours; 'Thing To Do' → outdoors unless the title says otherwise."""
    if record_type.strip() in NPS:
        return NPS[record_type.strip()]
    if normal_key(record_type) == "thing to do":
        return by_keywords(text, "outdoors")
    return "other"


def wikivoyage_category(listing_type: str, name: str) -> str:
    """`see` → sights; `do` → whatever the name suggests, else other."""
    return "sights" if listing_type == "see" else by_keywords(name, "other")
