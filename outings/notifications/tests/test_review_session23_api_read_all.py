"""Review of the API's "mark all read" (session 23). Session 22 made the inbox page's "Mark all
as read" mark only what the page knew (services.mark_all_read(up_to_id=…)), but
`POST /api/v1/notifications/read-all` still marked every notification: an app that listed the
inbox and then marked it all read also marked a notice that arrived in between, a waiting
list's seat held for its reader until a deadline among them, unseen, and the bell dropped to
nothing. The route now takes `{"up_to": <id>}`, the newest notification the client showed, and
marks that one and older ones; without a body it marks every one, as before. A malformed
`up_to` is a 400 in the API's error shape and marks nothing. Personas: a guest (Ada) whose app
lists her inbox; another user (Bee).

Through the whole API (/api/v1, token authentication, error handlers), real PostgreSQL."""

from typing import Any

import pytest
from django.test import Client

from outings.accounts import services as account_services
from outings.accounts.models import User
from outings.api.tests.helpers import error_of
from outings.catalog.tests.factories import UserFactory
from outings.notifications import services
from outings.notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/read-all"


def _notify(user: User, kind: str = "listing.approved") -> Notification:
    data = {"listing": "Harbour walk", "starts_at": "2031-03-30T08:00:00+00:00"}
    data["expires_at"] = "2031-03-29T08:00:00+00:00"
    return services.notify(user=user, kind=kind, data=data, email=False)


def _token(user: User) -> dict[str, str]:
    secret = account_services.create_api_token(user=user, name="app").secret
    return {"Authorization": f"Bearer {secret}"}


def _unread() -> list[int]:
    unread = Notification.objects.filter(read_at=None).order_by("pk")
    return list(unread.values_list("pk", flat=True))


def _post(client: Client, headers: dict[str, str], body: Any = None) -> Any:
    """POST `body` as JSON; None: no body at all."""
    if body is None:
        return client.generic("POST", URL, b"", headers=headers)
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_marking_all_read_up_to_what_the_app_showed_leaves_a_later_notice_unread():
    ada, bee = UserFactory.create(), UserFactory.create()
    seen = [_notify(ada), _notify(ada)]
    others = _notify(bee)
    client, headers = Client(), _token(ada)
    shown = client.get("/api/v1/notifications", headers=headers).json()["items"]
    later = _notify(ada, kind="waitlist.offer")  # arrives while the app shows the list

    response = _post(client, headers, {"up_to": shown[0]["id"]})

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert _unread() == [others.pk, later.pk]
    assert all(Notification.objects.get(pk=item.pk).read_at for item in seen)
    assert client.get("/api/v1/notifications/unread-count", headers=headers).json() == {"unread": 1}


def test_without_a_body_every_notification_is_marked_as_before():
    ada = UserFactory.create()
    _notify(ada)
    _notify(ada)
    client, headers = Client(), _token(ada)

    assert _post(client, headers).json() == {"marked": 2}
    assert _unread() == []
    _notify(ada)
    assert _post(client, headers, {}).json() == {"marked": 1}
    assert _unread() == []


def test_another_users_newer_id_marks_only_the_callers_own():
    ada, bee = UserFactory.create(), UserFactory.create()
    mine = _notify(ada)
    theirs = _notify(bee)

    response = _post(Client(), _token(ada), {"up_to": theirs.pk})

    assert response.json() == {"marked": 1}
    assert _unread() == [theirs.pk]
    assert Notification.objects.get(pk=mine.pk).read_at is not None


@pytest.mark.parametrize("up_to", [0, -1, 2**63, "12", True, 1.5, [1]], ids=str)
def test_a_malformed_up_to_is_a_400_and_marks_nothing(up_to: object):
    ada = UserFactory.create()
    _notify(ada)

    response = _post(Client(), _token(ada), {"up_to": up_to})

    assert response.status_code == 400
    error = error_of(response)
    assert list(error["fields"]) == ["body.payload.up_to"]
    assert len(_unread()) == 1


def test_the_openapi_document_offers_up_to(client: Client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][URL]["post"]
    body = operation["requestBody"]
    assert body["required"] is False
    schema = document["components"]["schemas"]["ReadAllIn"]
    assert schema["additionalProperties"] is False
    number = schema["properties"]["up_to"]["anyOf"][0]
    assert (number["type"], number["minimum"], number["maximum"]) == ("integer", 1, 2**63 - 1)
    assert 400 in {int(status) for status in operation["responses"]}
