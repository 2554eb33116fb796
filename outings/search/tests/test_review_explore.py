"""Review of the explore area: each test here failed on the code it was written against."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


class _ExploreForm(HTMLParser):
    """What a browser submits for the page's form#explore as it is rendered: text, hidden,
    date and number inputs, checked checkboxes, and each select's selected option (its first
    when none is marked selected)."""

    def __init__(self) -> None:
        super().__init__()
        self.params: list[tuple[str, str]] = []
        self._inside = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "explore":
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.params.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [self._options[0][0]]
            self.params.append((self._select, chosen[0]))
            self._select = None


def resubmitted(html: str) -> dict[str, list[str]]:
    """The query a browser sends when the visitor submits the rendered form unchanged (the
    no-JavaScript "Apply filters", or htmx's submit on any change)."""
    form = _ExploreForm()
    form.feed(html)
    params: dict[str, list[str]] = {}
    for name, value in form.params:
        if value != "":
            params.setdefault(name, []).append(value)
    return params


# --- keyset pages of a corrected search ---------------------------------------------------


@pytest.fixture
def kayaks(make_listing):
    for n in range(25):
        make_listing(f"Kayak trip {n}")
    refresh_lexicon()


def test_the_api_turns_the_pages_of_a_corrected_search(kayaks):
    """A misspelt query ("kayek") that finds nothing is run again as its correction ("kayak")
    and answered with `corrected: true` and a `next` cursor. That cursor is signed with the
    corrected query's fingerprint (engine/__init__.py runs run_page on `_with_text(query,
    corrected)`), while the client asks for the next page with the text it sent: the cursor is
    refused as "another search's" (400), so results 21-25 can never be reached. (Even if it were
    accepted, the second page would search for "kayek" again, and no correction is tried when a
    cursor is given.)"""
    client = Client()
    first = client.get("/api/v1/search", {"q": "kayek"}).json()
    assert first["corrected"] is True
    assert len(first["results"]) == 20
    assert first["next"]

    second = client.get("/api/v1/search", {"q": "kayek", "cursor": first["next"]})

    assert second.status_code == 200, second.content
    ids = [hit["id"] for hit in first["results"] + second.json()["results"]]
    assert len(ids) == len(set(ids)) == 25


def test_the_explore_pages_more_results_link_works_for_a_corrected_search(kayaks):
    """The same on the page: "Showing results for “kayak”" and a "More results" link built
    from the visitor's own q=kayek plus a cursor bound to "kayak", which answers 400 with
    "This cursor belongs to another search." instead of the next results."""
    client = Client()
    first = client.get("/explore/", {"q": "kayek"})
    assert first.context["page"].corrected
    assert first.context["next_url"]

    second = client.get("/explore/" + first.context["next_url"])

    assert second.status_code == 200, second.context["problems"]
    assert len(second.context["page"].hits) == 5


# --- the URL holds the whole state: the form must carry it --------------------------------


def test_a_city_chosen_from_a_chip_survives_the_next_change_of_the_form(make_listing):
    """The "Cities" chips link to ?...&city=Montreal (and a shared URL may carry city= and
    language=), but form#explore has no field named city or language (explore.html), so the
    very next submit of the form (changing the sort or the dates, ticking a category, or "Apply
    filters" without JavaScript; htmx also pushes that URL) drops them: the results silently
    widen back to every city."""
    make_listing("Toronto walk", city="Toronto")
    make_listing("Montreal walk", city="Montreal", languages=["fr"])
    client = Client()

    page = client.get("/explore/", {"city": "Montreal", "language": "fr"})
    assert [hit.title for hit in page.context["page"].hits] == ["Montreal walk"]

    params = resubmitted(page.content.decode())
    again = client.get("/explore/", params)

    assert params.get("city") == ["Montreal"]
    assert params.get("language") == ["fr"]
    assert [hit.title for hit in again.context["page"].hits] == ["Montreal walk"]


def test_a_selected_category_with_no_matches_stays_selected(make_listing):
    """Categories are checkboxes drawn from the category facet, which lists only categories
    with a count above zero (page.py `_facet_rows`: `count > 0`). A selected category that
    nothing matches (music, for "kayak") is therefore not in the form at all, checked or not:
    the visitor sees "Nothing matches" and cannot untick it, and the next submit of the form
    drops it without a word, so the results jump to another category."""
    make_listing("Harbour kayak tour", category="tours")
    make_listing("Opera night", category="music")
    client = Client()

    page = client.get("/explore/", {"q": "kayak", "category": "music"})
    assert page.context["page"].hits == []

    params = resubmitted(page.content.decode())

    assert params.get("category") == ["music"]


def test_the_sort_menu_shows_the_sort_that_was_applied_near_a_place(make_listing):
    """With a place and no text (the suggestions' ?near=Toronto links, "search this area"),
    ExploreForm.to_query sorts by distance when the URL names no sort. The sort menu marks an
    option selected only when the URL names it (explore.html), so it shows the first one, "Best
    match", while the hits are by distance; the next submit of the form then sends
    sort=relevance and reorders the results the visitor did not ask to reorder."""
    make_listing("CN Tower", latitude=43.6426, longitude=-79.3871)
    make_listing("Niagara Falls", latitude=43.0896, longitude=-79.0849)
    refresh_lexicon()
    client = Client()

    page = client.get("/explore/", {"near": "Toronto"})
    assert page.status_code == 200

    assert resubmitted(page.content.decode()).get("sort") == ["distance"]
