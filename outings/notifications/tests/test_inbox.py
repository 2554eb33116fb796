import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import signing
from django.utils import timezone

from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.notifications import emails, live, selectors, services, texts
from outings.notifications.models import EmailPreferences, Notification

pytestmark = pytest.mark.django_db


def notify(user, **data):
    return services.notify(user=user, kind="listing.approved", data={"listing": "Walk", **data})


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel: str = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict[str, object]]:
    """Everything waiting on `channel` (the in-memory layer keeps a queue per channel)."""
    queue = get_channel_layer().channels.get(channel)
    events = []
    while queue is not None and not queue.empty():
        _, message = queue.get_nowait()
        events.append(message["event"])
    return events


def test_notify_fills_the_inbox_and_queues_an_email(guest):
    notification = notify(guest)

    assert list(selectors.inbox(user=guest)) == [notification]
    assert selectors.unread_count(user=guest) == 1
    queued = OutboxMessage.objects.get(kind=emails.KIND)
    assert queued.payload["to"] == guest.email
    assert queued.payload["topic"] == "listings"


def test_notify_queues_no_email_for_a_topic_the_user_turned_off(guest):
    services.update_email_preferences(user=guest, topics={"listings": False})

    notify(guest)

    assert not OutboxMessage.objects.exists()


def test_the_live_event_leaves_only_after_commit_and_only_to_its_user(
    guest, other, django_capture_on_commit_callbacks
):
    mine, theirs = listen(live.user_group(guest.pk)), listen(live.user_group(other.pk))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(guest)
    assert received(mine) == []  # not before commit
    for callback in callbacks:
        callback()

    [event] = received(mine)
    assert event["type"] == "notification"
    assert event["id"] == notification.pk
    assert event["title"] == "Listing approved"
    assert event["body"] == "“Walk” is now published."
    assert event["unread"] == 1
    assert received(theirs) == []


def test_marking_another_users_notification_read_is_not_found_and_changes_nothing(guest, other):
    notification = notify(other)

    with pytest.raises(NotFound):
        services.mark_read(user=guest, notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_and_mark_all_read(guest):
    first, second, third = notify(guest), notify(guest), notify(guest)

    services.mark_read(user=guest, notification_id=first.pk)
    assert selectors.unread_count(user=guest) == 2
    assert services.mark_all_read(user=guest) == 2
    assert services.mark_all_read(user=guest) == 0
    assert not Notification.objects.filter(read_at=None).exists()
    assert {second.pk, third.pk} <= {n.pk for n in selectors.inbox(user=guest)}


def test_the_inbox_pages_by_keyset_with_one_query_each(guest, django_assert_num_queries):
    ids = [notify(guest).pk for _ in range(5)]

    with django_assert_num_queries(1):
        page, before = selectors.inbox_page(user=guest, limit=2)
    assert [n.pk for n in page] == ids[::-1][:2]
    with django_assert_num_queries(1):
        page, before = selectors.inbox_page(user=guest, before_id=before, limit=2)
    assert [n.pk for n in page] == ids[::-1][2:4]
    page, before = selectors.inbox_page(user=guest, before_id=before, limit=2)
    assert ([n.pk for n in page], before) == ([ids[0]], None)


def test_a_reconnecting_client_gets_what_it_missed_oldest_first(guest):
    seen = notify(guest)
    missed = [notify(guest).pk for _ in range(2)]

    assert [n.pk for n in selectors.newer_than(user=guest, after_id=seen.pk)] == missed


def test_unsubscribe_turns_off_the_topic_the_signed_link_names(guest):
    token = emails.unsubscribe_token(user_id=guest.pk, topic="bookings")

    services.unsubscribe(token=token)

    preferences = EmailPreferences.objects.get(user=guest)
    assert (preferences.bookings, preferences.messages) == (False, True)


@pytest.mark.parametrize(
    "token",
    ["garbage", "", signing.dumps({"u": 1, "t": "bookings"}, salt="another.salt")],
    ids=["garbage", "empty", "foreign-salt"],
)
def test_a_forged_unsubscribe_link_is_refused_and_changes_nothing(guest, token):
    with pytest.raises(services.InvalidUnsubscribeLink):
        services.unsubscribe(token=token)

    assert not EmailPreferences.objects.exists()


def test_an_unsubscribe_link_expires(guest, monkeypatch, settings):
    token = emails.unsubscribe_token(user_id=guest.pk, topic="bookings")
    later = time.time() + timedelta(days=settings.UNSUBSCRIBE_MAX_AGE_DAYS + 1).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)

    with pytest.raises(services.InvalidUnsubscribeLink):
        services.unsubscribe(token=token)


def test_publishing_seats_left_waits_for_commit(django_capture_on_commit_callbacks):
    channel = listen(live.listing_group(7))

    with django_capture_on_commit_callbacks(execute=True):
        live.publish_seats_left(listing_id=7, slot_id=3, seats_left=4, change=12)
        assert received(channel) == []

    assert received(channel) == [
        {"type": "seats", "listing": 7, "slot": 3, "seats_left": 4, "change": 12}
    ]


def test_a_notification_reads_in_the_readers_language_and_zone(guest):
    guest.preferred_language, guest.time_zone = "de", "Europe/Berlin"
    notification = services.notify(
        user=guest,
        kind="booking.cancelled",
        data={"listing": "Walk", "starts_at": "2026-01-10T09:30:00+00:00"},
    )

    event = services.event_of(notification, user=guest)

    assert event["title"] == "Buchung storniert"
    # No place in the data: the reader's clock, its zone named (session 18; it was not).
    assert event["body"] == "Deine Buchung für „Walk“ am 10. Januar 2026 10:30 CET wurde storniert."
    assert timezone.now() - notification.created_at < timedelta(minutes=1)


def test_a_time_that_ends_a_sentence_takes_one_full_stop():
    with timezone.override("America/Toronto"):
        text = texts.render(
            "booking.confirmed",
            {"listing": "Harbour walk", "starts_at": "2031-07-05T14:00:00+00:00"},
        )
    # The zone named since session 18: the time no longer ends with "a.m." here.
    assert text.body == "Your booking for “Harbour walk” on July 5, 2031, 10 a.m. EDT is confirmed."
    with timezone.override("America/Toronto"):
        text = texts.render(
            "booking.received",
            {"guest": "Ada", "seats": 2, "listing": "Walk", "starts_at": "2031-07-05T14:00:00Z"},
        )
    assert text.body.endswith("10 a.m. EDT.")
    assert not text.body.endswith("..")
