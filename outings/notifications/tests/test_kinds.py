"""Every kind of notification is one that something sends, and the email preferences offer a box
for each topic some kind is mailed under, and none other: a kind nothing sends, or a box for
mail that never comes, promises a feature that is not there. (Outings has no messages between
guests and hosts: "message.received" and the "Messages" box promised them.)"""

import re
from pathlib import Path

import pytest

from outings.notifications import texts
from outings.notifications.forms import EmailPreferencesForm
from outings.notifications.models import Notification

pytestmark = pytest.mark.django_db

OUTINGS = Path(__file__).resolve().parents[2]


def senders() -> str:
    """The code outside the notifications app (and outside tests) that could send one."""
    return "\n".join(
        path.read_text()
        for path in OUTINGS.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and OUTINGS / "notifications" not in path.parents
    )


def test_every_kind_of_notification_is_sent_by_something():
    code = senders()

    unsent = [kind.value for kind in Notification.Kind if not re.search(rf"\.{kind.name}\b", code)]

    assert unsent == []


def test_every_kind_has_a_text_and_a_mail_topic_or_is_about_the_account():
    """A notice about the account itself (a host's suspension) is mailed whatever the
    preferences, so it has no topic to opt out of; every other kind has one."""
    assert set(texts.BODIES) == set(Notification.Kind)
    assert set(texts.TOPIC_OF_KIND) | texts.ACCOUNT_KINDS == set(Notification.Kind)
    assert not set(texts.TOPIC_OF_KIND) & texts.ACCOUNT_KINDS


def test_the_preferences_offer_a_box_for_each_topic_something_mails_about(client, guest):
    client.force_login(guest)

    page = client.get("/notifications/preferences/").content.decode()

    assert set(EmailPreferencesForm.Meta.fields) == set(texts.TOPIC_OF_KIND.values())
    boxes = re.findall(r'<input type="checkbox" name="(\w+)"', page)
    assert boxes == ["bookings", "listings", "waitlist"]


def test_the_empty_inbox_promises_only_what_comes(client, guest):
    client.force_login(guest)

    page = client.get("/notifications/").content.decode()

    assert (
        "Nothing here yet. Bookings, waiting lists and news about your listings will appear here."
    ) in page
