"""Review (session 13, second pass) of the host pages: a date's capacity from two tabs, a photo
described after another tab deleted it. Each test failed on the code it was written against."""

import re
from datetime import UTC, date, datetime, time

import pytest

from outings.bookings import services as bookings
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory, UserFactory
from outings.scheduling import services as scheduling
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def published(listing):
    listing.status = Listing.Status.PUBLISHED
    listing.save(update_fields=["status"])
    return listing


def capacity_form(client, listing, slot):
    """The hidden fields of `slot`'s capacity form as the schedules page shows it."""
    page = client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()
    form = re.search(
        rf'<form[^>]*/slots/{slot.pk}/"(?:(?!</form>).)*name="capacity".*?</form>', page, re.S
    )
    assert form is not None
    return dict(re.findall(r'type="hidden" name="(version)" value="(\d+)"', form.group(0)))


def set_capacity(client, listing, slot, held, capacity):
    url = f"/host/listings/{listing.pk}/slots/{slot.pk}/"
    return client.post(url, {**held, "capacity": str(capacity)})


def test_two_tabs_setting_a_dates_capacity_do_not_overwrite_each_other(
    host_client, published, slot
):
    """The host opens the schedules page in two tabs (10 places), sets 12 in one, then 8 in the
    other: the 8 silently replaced the 12. Now the second save is a 409 page naming the 12,
    the field holding their 8 on the current version, so saving again overwrites on purpose."""
    first, second = (
        capacity_form(host_client, published, slot),
        capacity_form(host_client, published, slot),
    )

    saved = set_capacity(host_client, published, slot, first, 12)
    stale = set_capacity(host_client, published, slot, second, 8)

    assert saved.status_code == 302
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "changed in another window" in page
    assert "12" in page
    assert f'id="cap-{slot.pk}" type="number" name="capacity" min="1" value="8"' in page
    slot.refresh_from_db()
    assert slot.capacity == 12
    again = set_capacity(host_client, published, slot, {"version": str(slot.version)}, 8)
    assert again.status_code == 302
    slot.refresh_from_db()
    assert slot.capacity == 8


def test_a_booking_meanwhile_does_not_refuse_the_hosts_capacity_edit(host_client, published, slot):
    tab = capacity_form(host_client, published, slot)
    bookings.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=NOW)

    saved = set_capacity(host_client, published, slot, tab, 12)

    assert saved.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken) == (12, 2)


def test_the_capacity_conflict_reads_in_german(host_client, published, slot):
    tab = capacity_form(host_client, published, slot)
    set_capacity(host_client, published, slot, tab, 12)
    host_client.cookies["django_language"] = "de"

    stale = set_capacity(host_client, published, slot, tab, 8)

    assert stale.status_code == 409
    assert "in einem anderen Fenster" in stale.content.decode()


# --- A photo deleted in another tab ---------------------------------------------------------


@pytest.fixture
def photo(listing):
    return ListingPhoto.objects.create(
        listing=listing, image="0.png", width=800, height=600, position=0, alt_text="Pier"
    )


@pytest.mark.parametrize("action", ["save", "up", "delete"])
def test_a_photo_deleted_in_another_tab_is_a_message_on_the_listing_page(
    host_client, listing, photo, action
):
    """The host deletes a photo in one tab, then saves its description (or moves or deletes it)
    in another tab opened before: a bare 404 page. Now the listing's page says the photo is
    gone."""
    held = {"version": str(photo.version), "order_version": str(listing.photo_order_version)}
    host_client.post(
        f"/host/listings/{listing.pk}/photos/{photo.pk}/", {**held, "action": "delete"}
    )

    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/{photo.pk}/",
        {**held, "action": action, "alt_text": "The pier at dawn"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/host/listings/{listing.pk}/#photos", 302)]
    assert "This photo is no longer there" in response.content.decode()


def test_a_photo_of_someone_elses_listing_is_still_a_404(host_client, photo):
    other = ListingFactory.create()
    theirs = ListingPhoto.objects.create(
        listing=other, image="1.png", width=800, height=600, position=0
    )

    response = host_client.post(
        f"/host/listings/{other.pk}/photos/{theirs.pk}/", {"alt_text": "mine now"}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.alt_text == ""


def test_the_gone_photo_reads_in_german(host_client, listing, photo):
    host_client.post(
        f"/host/listings/{listing.pk}/photos/{photo.pk}/",
        {"action": "delete", "version": str(photo.version)},
    )
    host_client.cookies["django_language"] = "de"

    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/{photo.pk}/", {"alt_text": "Steg"}, follow=True
    )

    assert "Dieses Foto gibt es nicht mehr" in response.content.decode()


# --- A rule, an exception or a date removed in another tab ----------------------------------


@pytest.fixture
def rule(host, listing):
    """A one-off date of `listing` on 2030-06-03 (made at once, however far ahead)."""
    data = ScheduleData(
        kind="once", start_times=[time(10)], valid_from=date(2030, 6, 3), capacity=5
    )
    return scheduling.create_schedule(host=host, listing_id=listing.pk, data=data, now=NOW)


def follow_post(client, url, data):
    return client.post(url, data, follow=True)


@pytest.mark.parametrize(
    "data",
    [{"action": "delete"}, {"day": "2030-06-03", "action": "cancel"}],
    ids=["delete-again", "add-exception"],
)
def test_a_rule_removed_in_another_tab_is_a_message_on_the_schedules_page(
    host_client, listing, rule, data
):
    """One tab removes a rule; another, opened before, removes it again or cancels its day:
    a bare 404 page. Now the schedules page says the rule is gone."""
    url = f"/host/listings/{listing.pk}/schedules/{rule.pk}/"
    host_client.post(url, {"action": "delete", "version": str(rule.version)})

    response = follow_post(host_client, url, data)

    assert response.redirect_chain == [(f"/host/listings/{listing.pk}/schedules/", 302)]
    assert "This schedule is no longer there" in response.content.decode()


def test_an_exception_undone_in_another_tab_is_a_message(host_client, listing, rule):
    exception = scheduling.add_schedule_exception(
        host=listing.host,
        schedule_id=rule.pk,
        day=date(2030, 6, 3),
        start_time=None,
        action="cancel",
        new_time=None,
        now=NOW,
    )
    url = f"/host/listings/{listing.pk}/exceptions/{exception.pk}/delete/"
    host_client.post(url)

    response = follow_post(host_client, url, {})

    assert response.redirect_chain == [(f"/host/listings/{listing.pk}/schedules/", 302)]
    assert "This exception is no longer there" in response.content.decode()


@pytest.mark.parametrize("data", [{"capacity": "12", "version": "1"}, {"action": "cancel"}])
def test_a_date_removed_meanwhile_is_a_message(host_client, listing, rule, data):
    """A tab shows a rule's date; another removes the rule (the date, unbooked, goes with it);
    changing that date's places or cancelling it from the first tab was a bare 404 page."""
    slot = Slot.objects.get(schedule=rule)
    host_client.post(
        f"/host/listings/{listing.pk}/schedules/{rule.pk}/",
        {"action": "delete", "version": str(rule.version)},
    )

    response = follow_post(host_client, f"/host/listings/{listing.pk}/slots/{slot.pk}/", data)

    assert response.redirect_chain == [(f"/host/listings/{listing.pk}/schedules/", 302)]
    assert "This date is no longer there" in response.content.decode()


def test_another_hosts_rule_stays_a_404(host_client, listing):
    theirs = ScheduleFactory.create()

    response = host_client.post(
        f"/host/listings/{theirs.listing_id}/schedules/{theirs.pk}/", {"action": "delete"}
    )

    assert response.status_code == 404
