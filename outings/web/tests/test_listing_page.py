import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from factory.declarations import Sequence

from outings.catalog.models import License, Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def url(listing: Listing) -> str:
    return reverse("web:listing", kwargs={"pk": listing.pk})


def test_listing_page_shows_the_listing(client):
    listing = ListingFactory.create(
        title="Harbour walk",
        address="1 Front St W",
        latitude=43.6453,
        longitude=-79.3806,
        price_amount=1500,
        currency="CAD",
        duration_minutes=90,
        host=HostProfileFactory.create(display_name="Ada Tours"),
    )

    response = client.get(url(listing))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<h1 lang="en">Harbour walk</h1>' in body
    assert "Tours and walks" in body
    assert "Ada Tours" in body
    assert "1 Front St W" in body
    assert "CA$15.00" in body
    assert "1 hour 30 minutes" in body
    assert (
        'href="https://www.openstreetmap.org/?mlat=43.64530&amp;mlon=-79.38060'
        '#map=16/43.64530/-79.38060"' in body
    )


def test_listing_page_escapes_the_description_and_keeps_its_paragraphs(client):
    listing = ListingFactory.create(description="First <b>bold</b> line.\n\nSecond paragraph.")

    body = client.get(url(listing)).content.decode()

    assert "<p>First &lt;b&gt;bold&lt;/b&gt; line.</p>" in body
    assert "<b>" not in body
    assert "<p>Second paragraph.</p>" in body


def test_listing_page_links_the_image_lazily_without_a_referrer(client):
    listing = ListingFactory.create(image_url="https://images.example.org/walk.jpg")

    body = client.get(url(listing)).content.decode()

    assert (
        '<img src="https://images.example.org/walk.jpg" alt="" loading="lazy" decoding="async" '
        'referrerpolicy="no-referrer">' in body
    )


def test_listing_page_shows_a_placeholder_without_an_image(client):
    listing = ListingFactory.create(image_url="")

    body = client.get(url(listing)).content.decode()

    assert "<img" not in body
    assert 'class="placeholder placeholder--large" data-category="tours"' in body


def test_listing_page_shows_the_wikivoyage_attribution(client):
    source = "https://de.wikivoyage.org/wiki/Berlin"
    listing = ListingFactory.create(
        kind=Listing.Kind.PLACE, license=License.WIKIVOYAGE, source_url=source, price_amount=0
    )

    body = client.get(url(listing)).content.decode()

    assert (
        f'Listing from Wikivoyage (<a href="{source}" rel="noopener">{source}</a>), CC BY-SA 3.0'
        in body
    )
    assert f'<a href="{source}" rel="noopener">See the original listing</a>' in body
    assert 'href="https://creativecommons.org/licenses/by-sa/3.0/"' in body
    assert "Price per person" not in body  # a place has no price: 0 means unknown, not free


def test_listing_page_shows_the_toronto_attribution_without_a_source_link(client):
    listing = ListingFactory.create(license=License.TORONTO, source_url="")

    body = client.get(url(listing)).content.decode()

    assert "Contains information licensed under the Open Government Licence – Toronto." in body
    assert "See the original listing" not in body


def test_listing_page_never_links_a_javascript_source_url(client):
    listing = ListingFactory.create(license=License.NPS)
    Listing.objects.filter(pk=listing.pk).update(source_url="javascript:alert(1)")

    body = client.get(url(listing)).content.decode()

    assert "javascript:" not in body


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_listing_page_shows_upcoming_slots_in_the_listings_time_zone(client):
    listing = ListingFactory.create(time_zone="America/Toronto")
    start = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)  # 10:00 in Toronto (EDT)
    SlotFactory.create(listing=listing, starts_at=start, capacity=10, seats_taken=7)

    body = client.get(url(listing)).content.decode()

    assert "Sat, July 5, 2031" in body
    assert "10 a.m. EDT" in body
    assert "3 seats left" in visible_text(body)  # the number sits in a span live.js updates
    assert "Your time: Sat 2 p.m. UTC" in body  # the viewer (no tz cookie) is on UTC


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("en", ("%(n)s seat left", "%(n)s seats left", "Sold out")),
        ("de", ("%(n)s Platz frei", "%(n)s Plätze frei", "Ausgebucht")),
    ],
)
def test_listing_page_gives_live_seats_the_sentences_for_every_number(client, language, forms):
    """notifications/live.js rewrites a date's sentence from these when its seats change."""
    listing = ListingFactory.create()
    slot = SlotFactory.create(listing=listing, starts_at=NOW + timedelta(days=2))

    body = client.get(url(listing), headers={"Accept-Language": language}).content.decode()

    one, other, sold_out = forms
    assert (
        f'<ol class="slots" data-seats-one="{one}" data-seats-other="{other}" '
        f'data-sold-out="{sold_out}">'
    ) in body
    assert f'<span class="slot__seats" data-seats-of="{slot.pk}">' in body


@pytest.mark.parametrize(
    ("viewer", "yours"),
    # Detroit is another zone whose clock agrees with Toronto's: a second time would repeat it.
    [("Europe/Berlin", "Your time: Sat 4 p.m. CEST"), ("America/Detroit", None)],
)
def test_listing_page_shows_the_time_zone_of_the_viewer_from_the_cookie(client, viewer, yours):
    listing = ListingFactory.create(time_zone="America/Toronto")
    SlotFactory.create(listing=listing, starts_at=datetime(2031, 7, 5, 14, 0, tzinfo=UTC))
    client.cookies["tz"] = viewer

    body = client.get(url(listing)).content.decode()

    if yours is None:
        assert "10 a.m. EDT" in body
        assert "Your time" not in body
    else:
        assert yours in body


def test_listing_page_lists_the_next_ten_open_slots_soonest_first(client):
    listing = ListingFactory.create()
    now = timezone.now()
    for day in range(12, 0, -1):
        SlotFactory.create(listing=listing, starts_at=now + timedelta(days=day))
    SlotFactory.create(listing=listing, starts_at=now - timedelta(days=1))  # past
    SlotFactory.create(
        listing=listing, starts_at=now + timedelta(hours=1), status=Slot.Status.CANCELLED
    )
    SlotFactory.create(listing=listing, starts_at=now + timedelta(hours=2), seats_taken=10)  # full

    response = client.get(url(listing))

    slots = response.context["slots"]
    assert len(slots) == 10
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)
    assert slots[0].seats_left == 0
    assert "Sold out" in response.content.decode()


def test_the_booking_panel_offers_only_dates_with_seats_for_the_smallest_group(client):
    listing = ListingFactory.create(min_group_size=4, max_group_size=8)
    now = timezone.now()
    roomy = SlotFactory.create(listing=listing, starts_at=now + timedelta(days=1), capacity=10)
    short = SlotFactory.create(
        listing=listing, starts_at=now + timedelta(days=2), capacity=10, seats_taken=8
    )

    context = client.get(url(listing)).context

    assert [s.pk for s in context["book_slots"]] == [roomy.pk]
    assert [s.pk for s in context["full_slots"]] == [short.pk]  # offered the waiting list


def test_listing_page_says_when_there_are_no_upcoming_dates(client):
    listing = ListingFactory.create()

    body = client.get(url(listing)).content.decode()

    assert "No upcoming dates." in body


@pytest.mark.parametrize(
    "status",
    [
        Listing.Status.DRAFT,
        Listing.Status.SUBMITTED,
        Listing.Status.PAUSED,
        Listing.Status.ARCHIVED,
    ],
)
def test_listing_page_is_404_unless_published(client, status):
    listing = ListingFactory.create(status=status)

    response = client.get(url(listing))

    assert response.status_code == 404


def test_listing_page_is_404_when_the_host_is_suspended(client):
    listing = ListingFactory.create(host=HostProfileFactory.create(suspended_at=timezone.now()))

    response = client.get(url(listing))

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_listing_page_is_404_for_an_unknown_id(client):
    assert client.get(reverse("web:listing", kwargs={"pk": 987654321})).status_code == 404


def test_listing_page_survives_an_unknown_time_zone(client):
    listing = ListingFactory.create(time_zone="Mars/Olympus_Mons")
    SlotFactory.create(listing=listing, starts_at=datetime(2031, 7, 5, 14, 0, tzinfo=UTC))

    response = client.get(url(listing))

    assert response.status_code == 200
    assert "2 p.m. UTC" in response.content.decode()


def test_listing_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    listing = ListingFactory.create()
    SlotFactory.create_batch(
        5, listing=listing, starts_at=Sequence(lambda n: NOW + timedelta(days=n + 1))
    )

    # the catalogue version (keys the page cache); the listing with category and host; its
    # slots; its photos; "more like this"
    with django_assert_num_queries(5):
        client.get(url(listing))
