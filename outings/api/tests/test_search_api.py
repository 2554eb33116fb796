from datetime import timedelta

import pytest
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


def test_search_answers_hits_facets_and_a_cursor(client):
    for n in range(3):
        listing = ListingFactory.create(title=f"Harbour walk {n}")
        SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=2))
    ListingFactory.create(title="Opera night")

    response = client.get("/api/v1/search", {"q": "harbour", "limit": 2, "guests": 2})

    assert response.status_code == 200
    body = response.json()
    assert [hit["title"] for hit in body["results"]] == ["Harbour walk 2", "Harbour walk 1"]
    assert body["results"][0]["next_slot"]["seats_left"] == 10
    assert body["facets"]["category"] == [{"value": "tours", "count": 3, "selected": False}]
    assert body["next"] is not None
    second = client.get(
        "/api/v1/search", {"q": "harbour", "limit": 2, "guests": 2, "cursor": body["next"]}
    ).json()
    assert [hit["title"] for hit in second["results"]] == ["Harbour walk 0"]
    assert second["next"] is None


def test_an_anonymous_search_is_cached_until_the_catalogue_changes(client):
    listing = ListingFactory.create(title="Harbour walk")
    first = client.get("/api/v1/search", {"q": "harbour"})
    assert first["Cache-Control"].startswith("public")

    Listing.objects.filter(pk=listing.pk).update(title="Harbour cruise")
    second = client.get("/api/v1/search", {"q": "harbour"}).json()

    assert [hit["title"] for hit in second["results"]] == ["Harbour cruise"]
    assert first["ETag"] != client.get("/api/v1/search", {"q": "harbour"})["ETag"]


def test_a_matching_etag_gets_304(client):
    ListingFactory.create(title="Harbour walk")
    etag = client.get("/api/v1/search", {"q": "harbour"})["ETag"]

    response = client.get("/api/v1/search", {"q": "harbour"}, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""


def test_a_matching_etag_is_answered_without_searching(client, django_assert_num_queries):
    ListingFactory.create(title="Harbour walk")
    etag = client.get("/api/v1/search", {"q": "harbour"})["ETag"]

    with django_assert_num_queries(1):  # the catalogue version
        response = client.get("/api/v1/search", {"q": "harbour"}, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304


def test_a_place_name_is_resolved_from_the_catalogue(client):
    ListingFactory.create(title="Spree cruise", city="Berlin", latitude=52.52, longitude=13.40)
    ListingFactory.create(title="Far away", city="Munich", latitude=48.14, longitude=11.58)
    refresh_lexicon()

    body = client.get("/api/v1/search", {"near": "berlin", "radius_km": 20}).json()

    assert [(hit["title"], hit["distance_km"]) for hit in body["results"]] == [
        ("Spree cruise", 0.0)
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 201}, "query.q"),
        ({"radius_km": 0, "lat": 1, "lng": 1}, "query.radius_km"),
        ({"radius_km": -3, "lat": 1, "lng": 1}, "query.radius_km"),
        ({"radius_km": 5}, "query.radius_km"),
        ({"lat": 95, "lng": 0}, "query.lat"),
        ({"lat": 10}, "query.lat"),
        ({"date_from": "2026-12-05", "date_to": "2026-12-01"}, "query.date_to"),
        ({"guests": 0}, "query.guests"),
        ({"guests": 1000}, "query.guests"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"near": "Atlantis"}, "query.near"),
        ({"bbox": "1,2,3"}, "query.bbox"),
        ({"sort": "random"}, "query.sort"),
        ({"tz": "Mars/Olympus"}, "query.tz"),
        ({"currency": "XXX"}, "query.currency"),
        ({"category": ["tours", "unicorns"]}, "query.category"),
    ],
)
def test_bad_search_parameters_are_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/search", params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


@pytest.mark.parametrize("limit", [2, 20])
def test_search_runs_a_fixed_number_of_queries_whatever_the_page_size(
    client, limit, django_assert_num_queries
):
    for n in range(25):
        listing = ListingFactory.create(title=f"Harbour walk {n}")
        SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=2))
    client.get("/api/v1/search", {"q": "warm up"})

    # The catalogue version (cache key and ETag), the search's savepoint, its settings, its
    # rate, the page with its facets, the savepoint's rollback (which ends the settings in the
    # test's transaction, session 23) and release. Outside a transaction the search's block is
    # a transaction, which ends with ROLLBACK where it ended with COMMIT: as many statements.
    with django_assert_num_queries(7):
        client.get("/api/v1/search", {"q": "harbour", "limit": limit, "guests": 1})


def test_similar_and_autocomplete(client):
    me = ListingFactory.create(title="Harbour kayak tour")
    other = ListingFactory.create(title="Kayak at dawn")
    SlotFactory.create(listing=other, starts_at=timezone.now() + timedelta(days=1))
    refresh_lexicon()

    similar = client.get(f"/api/v1/listings/{me.pk}/similar").json()
    completions = client.get("/api/v1/autocomplete", {"q": "kay"}).json()

    assert [item["title"] for item in similar] == ["Kayak at dawn"]
    assert {
        "kind": "title",
        "label": "Kayak at dawn",
        "listing_id": other.pk,
        "content_language": "en",
    } in completions


def test_similar_and_autocomplete_carry_etags_that_follow_their_rows(client):
    me = ListingFactory.create(title="Harbour kayak tour")
    other = ListingFactory.create(title="Kayak at dawn")
    slot = SlotFactory.create(listing=other, starts_at=timezone.now() + timedelta(days=1))
    refresh_lexicon()
    similar_url = f"/api/v1/listings/{me.pk}/similar"

    first = client.get(similar_url)
    typed = client.get("/api/v1/autocomplete", {"q": "kay"})

    for response in (first, typed):
        assert response["ETag"]
        assert response["Cache-Control"].startswith("public")
    assert client.get(similar_url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    again = client.get("/api/v1/autocomplete", {"q": "kay"}, HTTP_IF_NONE_MATCH=typed["ETag"])
    assert again.status_code == 304

    # The similar listing's only date is cancelled: it is no longer bookable, nor similar.
    slot.status = slot.Status.CANCELLED
    slot.save(update_fields=["status"])
    changed = client.get(similar_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed.json() == []


def test_autocomplete_needs_its_query(client):
    response = client.get("/api/v1/autocomplete")

    assert response.status_code == 400
    assert "query.q" in response.json()["error"]["fields"]


def test_a_hits_next_date_is_a_date_time_like_every_other_resources(client):
    """`next_slot.starts_at` was a plain string with "+00:00" while slots, bookings and the rest
    give RFC 3339 in UTC with "Z", typed `date-time` in the OpenAPI document."""
    listing = ListingFactory.create(title="Harbour kayak tour")
    SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=2))

    [hit] = client.get("/api/v1/search?q=kayak").json()["results"]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["NextSlotOut"]

    assert hit["next_slot"]["starts_at"].endswith("Z")
    assert schema["properties"]["starts_at"]["format"] == "date-time"
