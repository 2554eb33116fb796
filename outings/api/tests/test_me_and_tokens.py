import hashlib

import pytest
from django.test import Client

from outings.accounts.models import ApiToken
from outings.accounts.tests.reauth import reauthenticated
from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_me_shows_the_callers_profile(client, guest, guest_token):
    response = client.get("/api/v1/me", **bearer(guest_token))

    assert response.status_code == 200
    assert response.json() == {
        "id": guest.pk,
        "username": "guest",
        "email": "guest@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "preferred_language": "",
        "time_zone": "UTC",
        "is_host": False,
        "is_staff": False,
    }


def test_me_tells_a_host(client, host_user, token_for):
    response = client.get("/api/v1/me", **bearer(token_for(host_user)))

    assert response.json()["is_host"] is True


def test_patching_me_changes_only_the_given_fields(client, guest, guest_token):
    response = client.patch(
        "/api/v1/me",
        data={"first_name": "Grace", "time_zone": "Europe/Berlin", "preferred_language": "de"},
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Grace"
    guest.refresh_from_db()
    assert (guest.first_name, guest.last_name, guest.time_zone, guest.preferred_language) == (
        "Grace",
        "Lovelace",
        "Europe/Berlin",
        "de",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Mars/Olympus"), ("preferred_language", "xx"), ("first_name", "x" * 151)],
)
def test_patching_me_refuses_invalid_values_and_changes_nothing(
    client, guest, guest_token, field, value
):
    response = client.patch(
        "/api/v1/me", data={field: value}, content_type="application/json", **bearer(guest_token)
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [f"body.payload.{field}"]
    guest.refresh_from_db()
    assert (guest.first_name, guest.time_zone, guest.preferred_language) == ("Ada", "UTC", "")


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_hash(client, guest):
    guest.set_password("a-long-pass-phrase-9")  # a password to give
    guest.save(update_fields=["password"])
    session = Client()
    session.force_login(guest)
    reauthenticated(session)  # the password given, as a session must before creating a token

    response = session.post(
        "/api/v1/me/tokens", data={"name": "laptop"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    secret = body["secret"]
    token = ApiToken.objects.get(user=guest)
    assert body["token"] == {
        "id": token.pk,
        "name": "laptop",
        "prefix": secret[:12],
        "created_at": token.created_at.isoformat().replace("+00:00", "Z"),
        "last_used_at": None,
    }
    assert secret.startswith("out_")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    assert secret not in {token.name, token.prefix, token.digest}


def test_a_new_token_authenticates_its_owner(client, guest, guest_token):
    response = client.get("/api/v1/me", **bearer(guest_token))

    assert response.json()["id"] == guest.pk


def test_listing_tokens_shows_the_callers_active_tokens_without_secrets(
    client, guest, guest_token, token_for
):
    other = token_for(UserFactory.create())
    revoked = ApiToken.objects.create(user=guest, name="old", prefix="out_x", digest="x" * 64)
    revoked.revoked_at = revoked.created_at
    revoked.save()

    response = client.get("/api/v1/me/tokens", **bearer(guest_token))

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["tests"]
    assert "secret" not in items[0]
    assert other not in response.content.decode()


def test_revoking_a_token_stops_it_at_once(client, guest, guest_token, token_for):
    spare = token_for(guest)
    spare_id = ApiToken.objects.get(user=guest, prefix=spare[:12]).pk

    response = client.delete(f"/api/v1/me/tokens/{spare_id}", **bearer(guest_token))

    assert response.status_code == 204
    assert response.content == b""
    assert client.get("/api/v1/me", **bearer(spare)).status_code == 401
    assert client.get("/api/v1/me", **bearer(guest_token)).status_code == 200


def test_revoking_someone_elses_token_is_not_found_and_changes_nothing(
    client, guest_token, token_for
):
    stranger = UserFactory.create()
    their_secret = token_for(stranger)
    theirs = ApiToken.objects.get(user=stranger)

    response = client.delete(f"/api/v1/me/tokens/{theirs.pk}", **bearer(guest_token))

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get("/api/v1/me", **bearer(their_secret)).status_code == 200


def test_a_session_write_without_csrf_is_forbidden_and_changes_nothing(guest):
    session = Client(enforce_csrf_checks=True)
    session.force_login(guest)

    response = session.patch(
        "/api/v1/me", data={"first_name": "Eve"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    guest.refresh_from_db()
    assert guest.first_name == "Ada"


def test_a_session_write_with_csrf_goes_through(guest):
    session = Client(enforce_csrf_checks=True)
    session.force_login(guest)
    session.get("/api/v1/me")  # any page would do: it is the cookie that matters
    session.cookies.load({"csrftoken": "a" * 32})

    response = session.patch(
        "/api/v1/me",
        data={"first_name": "Eve"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="a" * 32,
    )

    assert response.status_code == 200
    guest.refresh_from_db()
    assert guest.first_name == "Eve"


def test_a_session_read_needs_no_csrf(guest):
    session = Client(enforce_csrf_checks=True)
    session.force_login(guest)

    response = session.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["id"] == guest.pk
