import pytest

from outings.catalog.models import Listing
from outings.search.engine import search
from outings.search.query import SearchQuery
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


def titles(query: SearchQuery) -> list[str]:
    return [hit.title for hit in search(query).hits]


def test_words_match_across_their_english_forms(make_listing):
    make_listing("Walking tour of the harbour")
    make_listing("Pottery class")

    assert titles(SearchQuery(text="walk tours")) == ["Walking tour of the harbour"]


def test_accents_and_case_are_ignored(make_listing):
    make_listing("Café crawl in Kensington")

    assert titles(SearchQuery(text="CAFE")) == ["Café crawl in Kensington"]
    assert titles(SearchQuery(text="café")) == ["Café crawl in Kensington"]


def test_a_query_in_one_language_finds_names_shared_with_another(make_listing):
    make_listing("Musée du Louvre", content_language="fr", city="Paris", country_code="FR")
    make_listing("Kölner Dom", content_language="de", city="Köln", country_code="DE")

    assert titles(SearchQuery(text="louvre")) == ["Musée du Louvre"]
    assert titles(SearchQuery(text="koln")) == ["Kölner Dom"]


def test_german_words_are_stemmed_in_german(make_listing):
    make_listing("Führungen durch die Altstadt", content_language="de", city="Berlin")

    assert titles(SearchQuery(text="Führung")) == ["Führungen durch die Altstadt"]


def test_the_last_word_matches_as_a_prefix(make_listing):
    make_listing("Harbour cruise at sunset")

    assert titles(SearchQuery(text="sunset harb")) == ["Harbour cruise at sunset"]


def test_quoted_phrases_and_exclusions_follow_web_search_syntax(make_listing):
    make_listing("Night kayak tour")
    make_listing("Kayak lessons")
    make_listing("Tour by kayak at night")

    assert sorted(titles(SearchQuery(text="kayak -night"))) == ["Kayak lessons"]
    assert titles(SearchQuery(text='"night kayak"')) == ["Night kayak tour"]
    assert sorted(titles(SearchQuery(text="lessons or sunset"))) == ["Kayak lessons"]


def test_a_typo_is_corrected_with_a_did_you_mean(make_listing):
    make_listing("Distillery district walking tour")
    refresh_lexicon()

    page = search(SearchQuery(text="distilery"))

    assert [hit.title for hit in page.hits] == ["Distillery district walking tour"]
    assert page.suggestion == "distillery"
    assert page.corrected is True


def test_the_document_follows_an_edit_in_the_same_transaction(make_listing):
    listing = make_listing("Pottery class")

    Listing.objects.filter(pk=listing.pk).update(title="Glassblowing class")

    assert titles(SearchQuery(text="glassblowing")) == ["Glassblowing class"]
    assert titles(SearchQuery(text="pottery")) == []


def test_unpublished_listings_and_suspended_hosts_are_never_found(make_listing, host):
    from django.utils import timezone

    make_listing("Draft walking tour", status=Listing.Status.DRAFT)
    make_listing("Suspended walking tour")
    host.suspended_at = timezone.now()
    host.save(update_fields=["suspended_at"])

    assert titles(SearchQuery(text="walking")) == []


def test_a_correctly_spelt_word_gets_no_did_you_mean_whatever_its_letters(make_listing):
    # The lexicon holds unaccent's forms ("strassenfest", "музей"): the typed words are compared
    # in the same form, not in Python's ("straßenfest", "музеи").
    make_listing("Straßenfest in Kreuzberg", content_language="de", city="Berlin")
    make_listing("Музей Фаберже", content_language="ru", city="Санкт-Петербург")
    refresh_lexicon()

    german = search(SearchQuery(text="Straßenfest"))
    russian = search(SearchQuery(text="Музей"))

    assert [hit.title for hit in german.hits] == ["Straßenfest in Kreuzberg"]
    assert german.suggestion is None
    assert [hit.title for hit in russian.hits] == ["Музей Фаберже"]
    assert russian.suggestion is None


def test_a_word_found_in_the_listings_own_language_gets_no_did_you_mean(make_listing):
    """The search reads the text in every language of the catalogue (search.0017); the check
    for "did you mean" reads it the same way, or a word the search found by its Spanish stem
    ("guiada" for "guiadas") was "corrected" on the English page."""
    make_listing("Visitas guiadas por el Museo del Prado", content_language="es", city="Madrid")
    make_listing("Guided walk", city="Madrid")
    refresh_lexicon()

    page = search(SearchQuery(text="guiada"))

    assert [hit.title for hit in page.hits] == ["Visitas guiadas por el Museo del Prado"]
    assert page.suggestion is None
