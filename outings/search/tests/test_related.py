import pytest
from django.db import connection

from outings.search.related import autocomplete, find_place, similar
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


def test_more_like_this_prefers_shared_words_and_leaves_the_listing_out(make_listing, make_slot):
    me = make_listing("Harbour kayak tour at sunset")
    twin = make_listing("Sunset kayak paddle", category="outdoors")
    nearby = make_listing("Old town walking tour", latitude=43.651, longitude=-79.381)
    make_listing("Unrelated opera", category="music", latitude=49.28, longitude=-123.12)
    for listing in (me, twin, nearby):
        make_slot(listing, in_days=2)

    titles = [s.title for s in similar(listing_id=me.pk)]

    assert titles[0] == "Sunset kayak paddle"
    assert "Old town walking tour" in titles
    assert "Harbour kayak tour at sunset" not in titles
    assert "Unrelated opera" not in titles


def test_more_like_this_leaves_out_experiences_without_bookable_slots(make_listing, make_slot):
    me = make_listing("Kayak tour")
    make_slot(make_listing("Kayak lesson full"), in_days=2, capacity=4, taken=4)

    assert similar(listing_id=me.pk) == []


def test_autocomplete_offers_titles_categories_and_places_by_prefix(make_listing):
    make_listing("Toronto Islands bike tour")
    make_listing("Tour de Montréal", city="Montréal")
    refresh_lexicon()

    labels = [(c.kind, c.label) for c in autocomplete(prefix="tor")]

    assert ("place", "Toronto") in labels
    assert ("title", "Toronto Islands bike tour") in labels
    assert len(labels) <= 10
    assert ("place", "Montréal") in [(c.kind, c.label) for c in autocomplete(prefix="montre")]
    assert ("category", "tours") in [(c.kind, c.label) for c in autocomplete(prefix="tour")]


def test_autocomplete_tolerates_a_typo(make_listing):
    make_listing("Distillery district walk")
    refresh_lexicon()

    assert "Distillery district walk" in [c.label for c in autocomplete(prefix="distilery")]


@pytest.mark.parametrize("prefix", ["", "a", "%", "_%_", "\\", "x" * 500])
def test_autocomplete_handles_short_and_odd_input(rates, prefix):
    assert autocomplete(prefix=prefix) == [] or len(autocomplete(prefix=prefix)) <= 10


def _database_lowercases_cyrillic() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower('Ж') = 'ж'")
        return bool(cursor.fetchone()[0])


def test_autocomplete_offers_each_title_once_so_ten_are_ten_different(make_listing):
    for _ in range(12):
        make_listing("Kayak tour")
    make_listing("KAYAK TOUR", kind="place")
    make_listing("Kayak lessons")
    refresh_lexicon()

    titles = [c.label for c in autocomplete(prefix="kay") if c.kind == "title"]

    assert titles == ["Kayak tour", "Kayak lessons"]


def test_a_shared_title_links_to_its_first_experience(make_listing):
    place = make_listing("Harbour walk", kind="place")
    first = make_listing("Harbour Walk")
    make_listing("harbour walk")
    refresh_lexicon()

    completions = [c for c in autocomplete(prefix="harbour w") if c.kind == "title"]

    assert place.pk < first.pk
    assert [(c.label, c.listing_id) for c in completions] == [("Harbour Walk", first.pk)]


def test_autocomplete_compares_letters_as_the_database_stores_them(make_listing):
    # Python's NFKD turns "й" into "и" and keeps "ß"; the stored text is unaccent's.
    make_listing("Музей Фаберже", content_language="ru", city="Санкт-Петербург")
    make_listing("Straßenkunst in Kreuzberg", content_language="de", city="Berlin")
    make_listing("Crêperie près de l'Opéra", content_language="fr", city="Paris")
    refresh_lexicon()

    def labels(prefix: str) -> list[str]:
        return [c.label for c in autocomplete(prefix=prefix)]

    assert "Музей Фаберже" in labels("Музей")
    assert "Straßenkunst in Kreuzberg" in labels("Straßenk")
    assert "Straßenkunst in Kreuzberg" in labels("strassenk")
    assert "Crêperie près de l'Opéra" in labels("crepe")
    assert "Crêperie près de l'Opéra" in labels("Crêpe")


def test_autocomplete_ignores_case_and_tolerates_typos_in_cyrillic(make_listing):
    if not _database_lowercases_cyrillic():
        pytest.skip("a --locale=C cluster: lower() and pg_trgm leave Cyrillic alone")
    make_listing("Музей Фаберже", content_language="ru", city="Санкт-Петербург")
    refresh_lexicon()

    assert "Музей Фаберже" in [c.label for c in autocomplete(prefix="музей фа")]
    assert "Музей Фаберже" in [c.label for c in autocomplete(prefix="МУЗЕЙ")]
    assert "Музей Фаберже" in [c.label for c in autocomplete(prefix="музей фаберже")]
    assert "Музей Фаберже" in [c.label for c in autocomplete(prefix="музеи фаберже")]
    assert ("place", "Санкт-Петербург") in [(c.kind, c.label) for c in autocomplete(prefix="санкт")]


def test_a_place_is_resolved_by_its_name_as_stored(make_listing):
    make_listing(
        "Прогулка по набережной",
        content_language="ru",
        city="Йошкар-Ола",
        latitude=56.63,
        longitude=47.89,
    )
    refresh_lexicon()

    place = find_place("Йошкар-Ола")
    assert place is not None
    assert (place.latitude, place.longitude) == (56.63, 47.89)
    assert find_place("Nowhere") is None


@pytest.mark.parametrize("prefix", ["--", "!!", "%%", "__", "\\\\", "a%", "a_"])
def test_autocomplete_treats_wildcards_and_punctuation_as_text(make_listing, prefix):
    make_listing("Abc tour")
    refresh_lexicon()

    assert autocomplete(prefix=prefix) == []
