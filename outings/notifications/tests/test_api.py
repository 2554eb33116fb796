import pytest
from ninja import NinjaAPI
from ninja.testing import TestClient

from outings.accounts import services as account_services
from outings.api.errors import install_error_handlers
from outings.notifications import services
from outings.notifications.api import router
from outings.notifications.models import EmailPreferences

pytestmark = pytest.mark.django_db

api = NinjaAPI(urls_namespace="notifications-test")
install_error_handlers(api)
api.add_router("", router)
client = TestClient(api)


def notify(user):
    return services.notify(user=user, kind="listing.approved", data={"listing": "Walk"})


def bearer(user) -> dict[str, str]:
    created = account_services.create_api_token(user=user, name="test")
    return {"Authorization": f"Bearer {created.secret}"}


def test_the_api_lists_the_callers_notifications_newest_first(guest, other):
    first, second = notify(guest), notify(guest)
    notify(other)

    response = client.get("/notifications?limit=1", headers=bearer(guest))

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [second.pk]
    assert body["items"][0]["title"] == "Listing approved"
    following = client.get(f"/notifications?cursor={body['next']}", headers=bearer(guest)).json()
    assert [item["id"] for item in following["items"]] == [first.pk]


def test_the_api_marks_read_and_answers_404_for_another_users_notification(guest, other):
    mine, theirs = notify(guest), notify(other)
    headers = bearer(guest)

    assert client.post(f"/notifications/{mine.pk}/read", headers=headers).json()["read"] is True
    response = client.post(f"/notifications/{theirs.pk}/read", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/notifications/unread-count", headers=headers).json() == {"unread": 0}


def test_the_api_changes_only_the_email_topics_it_is_given(guest):
    headers = bearer(guest)

    response = client.patch(
        "/notifications/email-preferences", json={"messages": False}, headers=headers
    )

    assert response.json() == {
        "bookings": True,
        "messages": False,
        "listings": True,
        "waitlist": True,
    }
    assert EmailPreferences.objects.get(user=guest).messages is False


def test_the_api_refuses_an_anonymous_caller():
    assert client.get("/notifications").status_code == 401
