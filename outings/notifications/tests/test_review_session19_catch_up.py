"""The live feed's catch-up after a reconnect (live.js asks /notifications/feed/?after=<last
seen id>) answered the OLDEST 50 notifications after the last one seen: after more than 50
missed, the toasts live.js shows (the last three items) were not the newest ones, and the page
believed itself caught up at the 50th. It now answers the newest 50, oldest first."""

import pytest

from outings.notifications import selectors, services

pytestmark = pytest.mark.django_db


def notify(user, n: int = 0):
    return services.notify(user=user, kind="listing.approved", data={"listing": f"Walk {n}"})


def test_the_catch_up_after_many_missed_gives_the_newest_oldest_first(client, guest):
    seen = notify(guest)
    missed = [notify(guest, n).pk for n in range(53)]
    client.force_login(guest)

    body = client.get(f"/notifications/feed/?after={seen.pk}").json()

    assert [item["id"] for item in body["items"]] == missed[-50:]
    assert body["unread"] == 54


def test_newer_than_keeps_the_newest_within_its_limit(guest):
    seen = notify(guest)
    missed = [notify(guest, n).pk for n in range(5)]

    assert [n.pk for n in selectors.newer_than(user=guest, after_id=seen.pk, limit=3)] == missed[2:]
