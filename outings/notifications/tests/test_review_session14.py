"""Review (session 14): a live notification says which language it is written in, and which
part of it is the listing's title in the listing's language, so that live.js can mark both
(WCAG 3.1.2). Failed on the code it was written against: the event had neither."""

import pytest
from django.utils import timezone

from outings.catalog.tests.factories import UserFactory
from outings.notifications.models import Notification
from outings.notifications.services import event_of

pytestmark = pytest.mark.django_db


def test_a_live_event_carries_its_language_and_the_listings_title_marked():
    user = UserFactory.create(site_language="de")
    notification = Notification.objects.create(
        user=user,
        kind="listing.approved",
        data={"listing": "Visite du port", "listing_language": "fr"},
        url="/host/",
        created_at=timezone.now(),
    )

    event = event_of(notification, user=user)

    assert event["language"] == "de"
    assert event["body"] == "„Visite du port“ ist jetzt veröffentlicht."
    assert event["body_parts"] == [
        ["„", ""],
        ["Visite du port", "fr"],
        ["“ ist jetzt veröffentlicht.", ""],
    ]


def test_a_live_event_without_the_listings_language_is_one_run():
    user = UserFactory.create(site_language="en")
    notification = Notification.objects.create(
        user=user,
        kind="listing.approved",
        data={"listing": "Harbour walk"},
        url="/host/",
        created_at=timezone.now(),
    )

    event = event_of(notification, user=user)

    assert event["language"] == "en"
    assert event["body_parts"] == [["“Harbour walk” is now published.", ""]]
