import re

import pytest
from django.core.management import call_command

from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


def test_the_explore_page_lists_hits_with_facets_without_javascript(
    client, make_listing, make_slot
):
    make_slot(make_listing("Harbour kayak tour"), in_days=2)
    make_listing("Opera night", category="music")

    response = client.get("/explore/", {"q": "kayak", "guests": "2"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour kayak tour" in html
    assert "Opera night" not in html
    assert 'name="category" value="tours"' in html
    assert 'id="map"' in html


def test_an_htmx_request_gets_only_the_results(client, make_listing):
    make_listing("Harbour kayak tour")

    response = client.get("/explore/", {"q": "kayak"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.startswith('<section id="results"')
    assert "<html" not in html
    assert response["Vary"] == "HX-Request, Cookie" or "HX-Request" in response["Vary"]


def test_the_url_holds_the_state_and_pages_follow_a_cursor(client, make_listing):
    for n in range(23):
        make_listing(f"Walking tour {n}")

    first = client.get("/explore/", {"q": "walking", "category": "tours"})
    next_url = first.context["next_url"]
    second = client.get("/explore/" + next_url)

    assert "q=walking" in next_url
    assert "category=tours" in next_url
    assert len(first.context["page"].hits) == 20
    assert len(second.context["page"].hits) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-12-05", "date_to": "2026-12-01"},
        {"guests": "0"},
        {"guests": "1000"},
        {"radius_km": "-4", "near": "Toronto"},
        {"lat": "95", "lng": "0"},
        {"near": "Atlantis"},
        {"cursor": "garbage"},
        {"category": "unicorns"},
        {"q": "x" * 500},
    ],
)
def test_bad_input_gets_a_friendly_message_not_an_error_page(client, rates, params):
    response = client.get("/explore/", params)

    assert response.status_code == 400
    assert "Please check your search" in response.content.decode()


def test_suggestions_come_back_as_list_items(client, make_listing):
    make_listing("Toronto Islands bike tour")
    refresh_lexicon()

    response = client.get("/explore/suggest", {"q": "toro"})

    assert response.status_code == 200
    assert "Toronto Islands bike tour" in response.content.decode()
    assert response.content.decode().count("<li") <= 10


def test_the_map_names_its_marker_images_by_their_fingerprinted_addresses(
    client, make_listing, settings, tmp_path
):
    """With the production storage (hashed names), the page gives the map the hashed addresses
    of Leaflet's marker images, which exist; Leaflet's own guess from its CSS cannot."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    make_listing("Harbour kayak tour")

    page = client.get("/explore/?q=kayak").content.decode()

    names = re.findall(r'data-(?:icon|icon-2x|shadow)="/static/([^"]+)"', page)
    assert len(names) == 3
    for name in names:
        assert re.search(r"\.[0-9a-f]{12}\.png$", name), name
        assert (tmp_path / name).is_file()
