import pytest

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
