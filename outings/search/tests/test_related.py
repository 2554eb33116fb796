import pytest

from outings.search.related import autocomplete, similar
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
