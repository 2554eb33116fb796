"""Review (session 15): a search's pages across what moves its order without its listings
changing (the hourly ranking refresh, a new set of exchange rates, the clock). Each test of a
defect failed on the code it was written against, and says what was seen and why it is wrong."""

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.common import signed
from outings.search.engine import search
from outings.search.engine.cursors import CURSOR_SALT, encode_cursor
from outings.search.models import RANKING_HISTORY, PastExchangeRate, RankingChange
from outings.search.query import InvalidSearch, SearchQuery
from outings.search.services import load_exchange_rates, refresh_lexicon, refresh_ranking
from outings.search.tests.test_review_session14 import _ids_of_every_page

pytestmark = pytest.mark.django_db

TOO_OLD = "These results are too old to go on from: start again from the first page."
BUNDLED = Path(settings.BASE_DIR) / "data" / "exchange_rates.csv"


def api_ids(params: dict[str, Any], *, between: Callable[[], object]) -> list[int]:
    """The ids of every page of a search through the API, following `next` from the first
    page, with `between` run after the first page."""
    return _ids_of_every_page(Client(), params, between=between)


def explore_ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [hit.listing_id for hit in response.context["page"].hits]


def rates_with(tmp_path: Path, **per_euro: str) -> Path:
    """The bundled rates with some changed (`USD="0.36"`), as a file to load."""
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    changed = [lines[0]]
    for line in lines[1:]:
        currency, rate, exponent = line.split(",")
        changed.append(f"{currency},{per_euro.get(currency, rate)},{exponent}")
    path = tmp_path / "rates.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    return path


# --- relevance across the hourly ranking refresh -----------------------------------------------


# `walks`: five walks that the ranking refresh reverses (conftest.py).


def test_a_ranked_search_keeps_its_first_pages_order_across_the_hourly_refresh(walks):
    """The refresh moved the ranking version, and the next page of a ranked search was a 400
    ("ranked anew ... start again") every hour: a visitor who read page 1 at 10:59 could not
    read page 2 at 11:00. The later pages now read each listing's quality as the first page
    did, so that they continue its order: every walk once, none skipped."""
    order = [hit.listing_id for hit in search(SearchQuery(text="harbour walk", limit=10)).hits]
    assert order == sorted(walks, reverse=True)  # alike: by id

    seen = api_ids(
        {"q": "harbour walk", "limit": 2},
        between=lambda: refresh_ranking(now=timezone.now()),  # the hourly beat task
    )

    assert seen == order
    # A new search ranks with the new qualities: the newest first.
    assert [hit.listing_id for hit in search(SearchQuery(text="harbour walk", limit=10)).hits] == (
        walks
    )


def test_going_back_across_the_refresh_gives_the_pages_going_forward_gave(walks):
    client = Client()
    params: dict[str, Any] = {"q": "harbour walk", "limit": 2}
    first = client.get("/api/v1/search", params).json()
    second = client.get("/api/v1/search", {**params, "cursor": first["next"]}).json()
    assert refresh_ranking(now=timezone.now()) == 5

    third = client.get("/api/v1/search", {**params, "cursor": second["next"]}).json()
    back = client.get("/api/v1/search", {**params, "cursor": third["previous"]}).json()
    again = client.get("/api/v1/search", {**params, "cursor": back["previous"]}).json()

    assert back["results"] == second["results"]
    assert again["results"] == first["results"]


def test_the_explore_page_turns_a_ranked_search_across_the_hourly_refresh(make_listing):
    """The explore page's "More results" after the refresh answered 400 with "Start again"."""
    now = timezone.now()
    for n in range(22):  # a page of 20 and two more
        listing = make_listing(f"harbour walk {n}")
        Listing.objects.filter(pk=listing.pk).update(created_at=now - timedelta(days=n))
    client = Client()
    first = client.get("/explore/", {"q": "harbour walk"})
    expected = [hit.listing_id for hit in search(SearchQuery(text="harbour walk", limit=30)).hits]
    assert refresh_ranking(now=timezone.now()) == 22

    second = client.get("/explore/" + first.context["next_url"])
    back = client.get("/explore/" + second.context["previous_url"])

    assert explore_ids(first) + explore_ids(second) == expected
    assert explore_ids(back) == explore_ids(first)


def test_two_refreshes_between_two_pages_keep_the_first_pages_order(walks):
    """A listing whose quality moved at the refresh is read with the quality the first page
    read too: the page after 11:00 continues the order of 10:59 however many refreshes ran."""
    order = [hit.listing_id for hit in search(SearchQuery(text="harbour walk", limit=10)).hits]

    def two_refreshes() -> None:
        refresh_ranking(now=timezone.now())
        refresh_ranking(now=timezone.now() + timedelta(days=3))  # every walk ages

    assert api_ids({"q": "harbour walk", "limit": 2}, between=two_refreshes) == order


def test_a_corrected_search_keeps_its_order_across_the_hourly_refresh(walks):
    """The later pages of a corrected search ("harbur" read as "harbour") go the same way."""
    refresh_lexicon()
    first = search(SearchQuery(text="harbur", limit=2))
    assert first.corrected
    order = [hit.listing_id for hit in search(SearchQuery(text="harbour", limit=10)).hits]
    refresh_ranking(now=timezone.now())

    pages = [first]
    while pages[-1].next_cursor:
        query = SearchQuery(text="harbur", limit=2, cursor=pages[-1].next_cursor)
        pages.append(search(query))

    assert [hit.listing_id for page in pages for hit in page.hits] == order


def test_the_refresh_keeps_the_quality_each_listing_had_before_under_the_version_it_moved(
    walks,
):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_quality FROM catalog_listing")
        before = dict(cursor.fetchall())

    refresh_ranking(now=timezone.now())

    version = current_ranking()
    assert {(c.listing_id, c.quality) for c in RankingChange.objects.all()} == {
        (pk, before[pk]) for pk in walks
    }
    assert set(RankingChange.objects.values_list("version", flat=True)) == {version}
    assert refresh_ranking(now=timezone.now()) == 0  # nothing moved: no version, no history
    assert current_ranking() == version


def current_ranking() -> int:
    first = search(SearchQuery(text="harbour walk", limit=1))
    assert first.next_cursor
    version: int = signed.unsign(first.next_cursor, salt=CURSOR_SALT)["r"]
    return version


# --- price sorts across new exchange rates --------------------------------------------------


@pytest.fixture
def priced(make_listing: Any) -> dict[str, int]:
    """Three listings in euros and one in dollars: 1,080 USD are 1,000 EUR at the bundled rate
    (1.08 a euro), between the first two."""
    return {
        "eur 900": make_listing("harbour walk a", currency="EUR", price_amount=900).pk,
        "usd 1080": make_listing("harbour walk b", currency="USD", price_amount=1080).pk,
        "eur 1100": make_listing("harbour walk c", currency="EUR", price_amount=1100).pk,
        "eur 1200": make_listing("harbour walk d", currency="EUR", price_amount=1200).pk,
    }


@pytest.mark.parametrize("sort", ["price_asc", "price_desc"])
def test_a_price_sorted_search_keeps_its_order_across_new_exchange_rates(priced, tmp_path, sort):
    """The cursor carried the last hit's price in the viewer's currency, and the next page
    compared it with prices converted at the rates loaded since: the dollar listing, 1,000 EUR
    on page 1, cost 3,000 EUR at 0.36 dollars a euro and came again on page 3 (price up), or
    was never shown (price down). The later pages now convert at the first page's rates."""
    ascending = [priced["eur 900"], priced["usd 1080"], priced["eur 1100"], priced["eur 1200"]]
    order = ascending if sort == "price_asc" else ascending[::-1]
    new_rates = rates_with(tmp_path, USD="0.36")

    seen = api_ids(
        {"q": "harbour walk", "sort": sort, "currency": "EUR", "limit": 2},
        between=lambda: load_exchange_rates(path=new_rates),
    )

    assert seen == order
    # A new search converts at the new rates: the dollar listing is the dearest now.
    first = search(SearchQuery(text="harbour walk", sort="price_desc", currency="EUR", limit=1))
    assert [hit.listing_id for hit in first.hits] == [priced["usd 1080"]]


def test_a_later_page_filters_and_counts_prices_at_the_first_pages_rates(priced, tmp_path):
    """A price filter in the viewer's currency keeps the listings that matched on the first
    page, and the price facet counts them as it did there."""
    query: dict[str, Any] = {
        "q": "harbour walk",
        "sort": "newest",
        "currency": "EUR",
        "price_max": 1150,
        "limit": 2,
    }
    # The dollar listing the oldest: newest first, it is on the second page.
    Listing.objects.filter(pk=priced["usd 1080"]).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    client = Client()
    first = client.get("/api/v1/search", query).json()
    assert priced["usd 1080"] not in [hit["id"] for hit in first["results"]]
    load_exchange_rates(path=rates_with(tmp_path, USD="0.36"))

    second = client.get("/api/v1/search", {**query, "cursor": first["next"]}).json()

    seen = [hit["id"] for hit in first["results"] + second["results"]]
    assert sorted(seen) == sorted([priced["eur 900"], priced["usd 1080"], priced["eur 1100"]])
    assert second["facets"]["price"] == first["facets"]["price"]


def test_the_explore_page_sorted_by_price_neither_repeats_nor_skips_across_new_rates(
    make_listing, tmp_path
):
    for n in range(21):
        make_listing(f"harbour walk {n}", currency="EUR", price_amount=500 + 100 * n)
    dollars = make_listing("harbour walk usd", currency="USD", price_amount=1080).pk  # 10 EUR
    client = Client()
    params = {"q": "harbour walk", "sort": "price_asc", "currency": "EUR"}
    first = client.get("/explore/", params)
    assert dollars in explore_ids(first)
    load_exchange_rates(path=rates_with(tmp_path, USD="0.36"))  # 30 EUR: the dearest

    second = client.get("/explore/" + first.context["next_url"])

    seen = explore_ids(first) + explore_ids(second)
    assert len(seen) == 22
    assert len(set(seen)) == 22


def test_loading_the_same_rates_again_moves_nothing(priced):
    version = current_ranking()

    load_exchange_rates(path=BUNDLED)

    assert current_ranking() == version
    assert not PastExchangeRate.objects.exists()


def test_new_rates_keep_the_set_they_replace_under_the_version_they_moved(priced, tmp_path):
    version = current_ranking()

    load_exchange_rates(path=rates_with(tmp_path, USD="0.36"))

    assert current_ranking() == version + 1
    past = {rate.currency: rate for rate in PastExchangeRate.objects.filter(version=version + 1)}
    assert str(past["USD"].per_euro) == "1.080000"
    assert past["JPY"].exponent == 0
    assert len(past) == len(BUNDLED.read_text(encoding="utf-8").splitlines()) - 1


def test_the_history_keeps_the_last_versions_only(priced, tmp_path):
    other = rates_with(tmp_path, USD="0.36")
    for n in range(RANKING_HISTORY + 2):
        load_exchange_rates(path=other if n % 2 == 0 else BUNDLED)
    refresh_ranking(now=timezone.now())

    version = current_ranking()
    kept = set(PastExchangeRate.objects.values_list("version", flat=True))
    assert kept == set(range(version - RANKING_HISTORY + 1, version))
    assert set(RankingChange.objects.values_list("version", flat=True)) == {version}


# --- what is still refused ----------------------------------------------------------------


def test_a_cursor_older_than_the_kept_history_asks_to_start_again(priced, tmp_path):
    """Only a real reason remains: the ordering inputs of the first page are kept for the last
    RANKING_HISTORY moves of the ranking version (two days of hourly refreshes); beyond them
    the page cannot be continued in its order, and says so."""
    params: dict[str, Any] = {
        "q": "harbour walk",
        "sort": "price_asc",
        "currency": "EUR",
        "limit": 2,
    }
    client = Client()
    first = client.get("/api/v1/search", params).json()
    other = rates_with(tmp_path, USD="0.36")
    for n in range(RANKING_HISTORY):
        load_exchange_rates(path=other if n % 2 == 0 else BUNDLED)
    last = client.get("/api/v1/search", {**params, "cursor": first["next"]})
    assert last.status_code == 200, last.content

    load_exchange_rates(path=other)
    response = client.get("/api/v1/search", {**params, "cursor": first["next"]})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"query.cursor": [TOO_OLD]}
    page = client.get("/explore/", {**params, "tz": "UTC", "cursor": first["next"]})
    assert page.status_code == 400
    assert TOO_OLD in page.content.decode()
    assert page.context["restart_url"]
    assert "cursor" not in page.context["restart_url"]


# --- the other sorts: what the clock moves ----------------------------------------------------


def test_soonest_skips_nothing_when_a_shown_date_passes_between_two_pages(make_listing, make_slot):
    """ "Soonest available" is ordered by each listing's next bookable date, which the clock
    moves: a date that passes between two pages makes its listing's next date a later one.
    It then comes again further on, with that date (it is bookable then); nothing is skipped,
    since the clock only moves a listing's next date later."""
    now = timezone.now()
    first_walk = make_listing("harbour walk 0")
    make_slot(first_walk, in_days=1 / 24)  # in an hour
    make_slot(first_walk, in_days=5)
    others = []
    for n in range(1, 4):
        walk = make_listing(f"harbour walk {n}")
        make_slot(walk, in_days=n)
        others.append(walk.pk)
    query: dict[str, Any] = {"text": "harbour walk", "sort": "soonest", "limit": 2}
    first = search(SearchQuery(**query), now=now)
    later = now + timedelta(hours=2)  # the first walk's date has passed

    pages = [first]
    while pages[-1].next_cursor:
        pages.append(search(SearchQuery(cursor=pages[-1].next_cursor, **query), now=later))

    seen = [hit.listing_id for page in pages for hit in page.hits]
    assert seen == [first_walk.pk, others[0], others[1], others[2], first_walk.pk]
    assert pages[-1].hits[-1].next_slot is not None
    assert pages[-1].hits[-1].next_slot.starts_at > now + timedelta(days=4)


def test_a_cursor_of_a_version_still_to_come_is_refused(priced):
    """A cursor signed under a version the database has not reached (one restored from an
    older backup): its qualities and rates are not known here."""
    query = SearchQuery(text="harbour walk", sort="price_asc", limit=2)
    version = current_ranking()
    cursor = encode_cursor([900, priced["eur 900"]], query, ranking=version + 1)

    with pytest.raises(InvalidSearch) as refused:
        search(SearchQuery(text="harbour walk", sort="price_asc", limit=2, cursor=cursor))

    assert refused.value.fields == {"cursor": [TOO_OLD]}


def test_a_cursor_signed_without_a_version_is_read_as_of_now_unless_ranked(priced):
    """Cursors of other sorts than relevance carried no version before session 15: they go on
    with the qualities and rates of now, as they did. A ranked one without a version comes from
    before session 14, which refused it already."""
    price = SearchQuery(text="harbour walk", sort="price_asc", limit=2)
    old = encode_cursor([1000, priced["usd 1080"]], price)

    following = search(SearchQuery(text="harbour walk", sort="price_asc", limit=2, cursor=old))

    assert [hit.listing_id for hit in following.hits] == [priced["eur 1100"], priced["eur 1200"]]
    ranked = SearchQuery(text="harbour walk", limit=2)
    with pytest.raises(InvalidSearch) as refused:
        search(replace(ranked, cursor=encode_cursor([0.01, priced["eur 900"]], ranked)))
    assert refused.value.fields == {"cursor": [TOO_OLD]}


# --- a search while a refresh commits ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("categories")  # a transactional test before may have flushed them
def test_a_first_page_read_while_a_refresh_commits_carries_the_version_of_what_it_read(walks):
    """The version was a sequence, which moves for every reader at nextval(), long before the
    refresh's rows commit (its UPDATE and the history of a whole catalogue can take seconds): a
    first page read in between was signed with the new version but read the old qualities,
    and its next page read the new ones, against which its last score is below every walk's
    (the three not shown never came). The version is now a row the refresh writes, read with
    the rates in the search's first statement: what a page reads and the version it is signed
    with are both committed, or both not yet."""
    order = [hit.listing_id for hit in search(SearchQuery(text="harbour walk", limit=10)).hits]
    moved, release = threading.Event(), threading.Event()

    def refresh_held_open() -> None:
        try:
            with transaction.atomic():
                refresh_ranking(now=timezone.now())
                moved.set()
                release.wait(10)
        finally:
            connection.close()

    refresher = threading.Thread(target=refresh_held_open)
    refresher.start()
    try:
        assert moved.wait(10)
        first = search(SearchQuery(text="harbour walk", limit=2))
    finally:
        release.set()
        refresher.join(10)
    pages = [first]
    while pages[-1].next_cursor:
        pages.append(
            search(SearchQuery(text="harbour walk", limit=2, cursor=pages[-1].next_cursor))
        )

    assert [hit.listing_id for page in pages for hit in page.hits] == order
