"""Review (session 22): "Mark all as read" on the inbox page marked every notification read,
also those that came after the page was shown: a tab left open (or a second tab) marked a
notice its reader had never seen, a waiting list's seat held for them until a deadline among
them, and the bell dropped to nothing. The form now carries the newest notification the page
knew, and only that one and older ones are marked; a form without it (a page shown before this
change) marks every one, as before, and a malformed one changes nothing. Personas: a guest
(Ada) with two tabs; another user (Bee)."""

import re

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.notifications import services
from outings.notifications.models import Notification

pytestmark = pytest.mark.django_db

OFFER = {"listing": "Harbour walk", "starts_at": "2031-03-30T08:00:00+00:00"}


def _notify(user: User, kind: str = "listing.approved") -> Notification:
    data = OFFER | {"expires_at": "2031-03-29T08:00:00+00:00"}
    return services.notify(user=user, kind=kind, data=data, email=False)


def _read_all_form(page: str) -> dict[str, str]:
    """The fields of the page's "Mark all as read" form, as a browser posts them."""
    form = re.search(r'action="/notifications/read-all/">(.*?)</form>', page, re.S)
    assert form is not None
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[1]))


def test_marking_all_read_leaves_what_came_after_the_page_was_shown_unread():
    ada, bee = UserFactory.create(), UserFactory.create()
    seen = [_notify(ada), _notify(ada)]
    others = _notify(bee)
    client = Client()
    client.force_login(ada)
    fields = _read_all_form(client.get("/notifications/").content.decode())
    later = _notify(ada, kind="waitlist.offer")  # in another tab, or while this one slept

    response = client.post("/notifications/read-all/", fields)

    assert response.status_code == 302
    unread = Notification.objects.filter(read_at=None).order_by("pk")
    assert list(unread.values_list("pk", flat=True)) == [others.pk, later.pk]
    assert all(Notification.objects.get(pk=item.pk).read_at for item in seen)
    assert client.get("/notifications/").context["unread"] == 1


def test_an_older_page_of_the_inbox_marks_all_up_to_the_newest_when_it_was_shown():
    ada = UserFactory.create()
    for _ in range(25):  # two pages
        _notify(ada)
    client = Client()
    client.force_login(ada)
    first = client.get("/notifications/")
    second = client.get(f"/notifications/?before={first.context['next_before']}")
    fields = _read_all_form(second.content.decode())
    later = _notify(ada)

    client.post("/notifications/read-all/", fields)

    assert list(Notification.objects.filter(read_at=None).values_list("pk", flat=True)) == [
        later.pk
    ]


@pytest.mark.parametrize("value", ["x", "-1", "99999999999999999999999"])
def test_a_malformed_form_changes_nothing(value):
    ada = UserFactory.create()
    _notify(ada)
    client = Client()
    client.force_login(ada)

    response = client.post("/notifications/read-all/", {"up_to": value}, follow=True)

    assert response.status_code == 200
    assert Notification.objects.filter(read_at=None).count() == 1
    assert "could not tell which notifications" in response.content.decode()
