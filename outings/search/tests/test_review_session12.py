"""Review (session 12) of the explore page as a guest reads it: each test failed on the code it
was written against, and says what a guest sees and why that is wrong."""

import re

import pytest
from django.test import Client

from outings.search.tests.test_review_explore import resubmitted

pytestmark = pytest.mark.django_db


def results(html: str) -> str:
    """The part of the page htmx swaps: section#results."""
    match = re.search(r'<section id="results".*?</section>', html, re.S)
    assert match, html
    return match.group(0)


# --- languages by their names -------------------------------------------------------------


@pytest.fixture
def spoken(make_listing):
    make_listing("Harbour walk", languages=["en", "de"])
    make_listing("Market walk", languages=["es"])
    make_listing("Castle walk", languages=["tlh"])  # a code Django has no name for


@pytest.mark.parametrize(
    ("accept", "german", "spanish"),
    [("en", "German", "Spanish"), ("de", "Deutsch", "Spanisch")],
)
def test_the_language_facet_names_each_language_in_the_pages_language(
    spoken, accept, german, spanish
):
    """The search counts the listings per language they are offered in (docs/search.md,
    "Facets"), but the page showed none of it: a guest could not choose a language at all, and
    one who followed a shared link with ?language=de read "Language: de". Each language is a
    link named in the page's language, with its count; a code Django has no name for keeps
    its code."""
    page = Client().get("/explore/", {"q": "walk"}, HTTP_ACCEPT_LANGUAGE=accept)

    html = results(page.content.decode())
    for code, name in (("de", german), ("es", spanish), ("tlh", "tlh")):
        link = f'href="?q=walk&amp;language={code}">{name} <span class="chip__count">1</span>'
        assert link in html


@pytest.mark.parametrize(("accept", "german"), [("en", "German"), ("de", "Deutsch")])
def test_the_chosen_language_is_named_not_coded(spoken, accept, german):
    """The ticked box that keeps the chosen language in the form read "Language: de"."""
    page = Client().get("/explore/", {"q": "walk", "language": "de"}, HTTP_ACCEPT_LANGUAGE=accept)

    html = page.content.decode()
    label = "Sprache" if accept == "de" else "Language"
    assert f'value="de" checked> {label}: {german}</label>' in html
    assert ": de</label>" not in html
    assert resubmitted(html).get("language") == ["de"]


def test_choosing_another_language_replaces_the_one_chosen(spoken):
    """A facet link adds its value to the current search: with German chosen, "Spanish" led
    to ?language=de&language=es, a search the form reads as Spanish but whose address says
    both. The link replaces the language chosen, as the box holds one."""
    page = Client().get("/explore/", {"q": "walk", "language": "de"})

    html = results(page.content.decode())
    assert 'href="?q=walk&amp;language=es">' in html
    assert "language=de&amp;language=es" not in html


# --- the result count, announced ----------------------------------------------------------


def test_the_number_of_results_is_in_a_status_region_that_stays(make_listing):
    """The results section was itself the page's aria-live region, and each htmx search
    replaces it (hx-swap="outerHTML"): a live region that is replaced is a new node, and screen
    readers announce changes inside a region they already know, so a blind guest heard
    nothing when the results changed. The count is written into a status region outside the
    swapped section (the whole page), and an htmx answer changes its text in place
    (hx-swap-oob="innerHTML" keeps the node)."""
    for n in range(3):
        make_listing(f"Kayak trip {n}")
    make_listing("Harbour walk")
    client = Client()

    page = client.get("/explore/", {"q": "kayak"}).content.decode()
    assert re.search(r'<p id="search-status" role="status"[^>]*>3 results</p>', page)
    assert 'aria-live="polite"' not in results(page)  # the swapped section is no live region

    swap = client.get("/explore/", {"q": "walk"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'<p id="search-status" hx-swap-oob="innerHTML"[^>]*>1 result</p>', swap)


def test_the_count_covers_every_page_and_the_categories_chosen(make_listing):
    """The count is of every match, not of the 20 shown, and within the categories ticked."""
    for n in range(23):
        make_listing(f"Kayak trip {n}", category="tours")
    make_listing("Kayak picnic", category="food")
    client = Client(HTTP_ACCEPT_LANGUAGE="de")

    assert ">24 Ergebnisse</p>" in client.get("/explore/", {"q": "kayak"}).content.decode()
    assert (
        ">23 Ergebnisse</p>"
        in client.get("/explore/", {"q": "kayak", "category": "tours"}).content.decode()
    )


def test_a_search_to_fix_empties_the_status(rates):
    """A search with a mistake has no count: the status says nothing (the list of what to
    fix is an alert of its own), rather than the count of the search before."""
    swap = Client().get("/explore/", {"guests": "99"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'<p id="search-status" hx-swap-oob="innerHTML"[^>]*></p>', swap)


# --- what to fix, named ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "accept", "problem"),
    [
        ({"date_from": "1999-12-31"}, "en", "From: A date from Jan. 1, 2000 to Dec. 31, 2999."),
        ({"date_to": "3000-01-01"}, "en", "To: A date from Jan. 1, 2000 to Dec. 31, 2999."),
        ({"sort": "distance"}, "en", "Sort: Sorting by distance needs a place."),
        ({"near": "Atlantis"}, "de", "In der Nähe von: Diesen Ort kennen wir nicht."),
    ],
)
def test_a_mistake_the_search_rules_find_names_its_field(rates, params, accept, problem):
    """A mistake the form finds is named by its field ("Guests: Ensure this value is less
    than or equal to 50."), but one the search's own rules find (query.py) came bare: a date
    out of range read "A date from 2000-01-01 to 2999-12-31." and the guest could not tell
    whether From or To was wrong."""
    page = Client().get("/explore/", params, HTTP_ACCEPT_LANGUAGE=accept)

    assert page.status_code == 400
    assert page.context["problems"] == [problem]
