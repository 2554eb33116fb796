import json
import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone

from outings.accounts.models import ApiToken
from outings.accounts.services import MAX_ACTIVE_TOKENS
from outings.api.idempotency import sweep_expired_keys
from outings.api.models import IdempotencyKey
from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import UserFactory


def create(client, token, body, key, *, language="en"):
    return client.post(
        "/api/v1/me/tokens",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE=language,
        **bearer(token),
    )


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_response_byte_for_byte(client, guest, guest_token):
    first = create(client, guest_token, {"name": "ci"}, "key-1")
    again = create(client, guest_token, {"name": "ci"}, "key-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.filter(user=guest, name="ci").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_and_acts_not(client, guest, guest_token):
    create(client, guest_token, {"name": "ci"}, "key-1")

    response = create(client, guest_token, {"name": "other"}, "key-1")

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert not ApiToken.objects.filter(name="other").exists()


@pytest.mark.django_db
def test_a_key_still_in_flight_is_a_409_with_retry_after(client, guest, guest_token):
    create(client, guest_token, {"name": "ci"}, "key-1")
    IdempotencyKey.objects.update(state=IdempotencyKey.State.IN_FLIGHT, created_at=timezone.now())

    response = create(client, guest_token, {"name": "ci"}, "key-1")

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert error_of(response)["code"] == "idempotency_in_flight"
    assert ApiToken.objects.filter(user=guest, name="ci").count() == 1


@pytest.mark.django_db
def test_a_key_left_in_flight_by_a_dead_request_is_taken_over(client, guest, guest_token):
    create(client, guest_token, {"name": "ci"}, "key-1")
    ApiToken.objects.filter(name="ci").delete()  # as if the first attempt had rolled back
    IdempotencyKey.objects.update(
        state=IdempotencyKey.State.IN_FLIGHT, created_at=timezone.now() - timedelta(minutes=5)
    )

    response = create(client, guest_token, {"name": "ci"}, "key-1")

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=guest, name="ci").count() == 1
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE


@pytest.mark.django_db
@pytest.mark.parametrize(("seconds_ago", "status"), [(5, 409), (55, 409), (65, 201)])
def test_a_key_in_flight_is_waited_for_a_minute_then_taken_over(
    client, guest, guest_token, seconds_ago, status
):
    """API_IDEMPOTENCY_LOCK_SECONDS as shipped (60): a request that started seconds ago may still
    be running, and one that started over a minute ago is taken to be dead."""
    create(client, guest_token, {"name": "ci"}, "key-1")
    ApiToken.objects.filter(name="ci").delete()  # not committed yet: the first is still running
    IdempotencyKey.objects.update(
        state=IdempotencyKey.State.IN_FLIGHT,
        created_at=timezone.now() - timedelta(seconds=seconds_ago),
    )

    response = create(client, guest_token, {"name": "ci"}, "key-1")

    assert response.status_code == status
    if status == 409:
        assert response["Retry-After"] == "1"
        assert error_of(response)["code"] == "idempotency_in_flight"
        assert not ApiToken.objects.filter(name="ci").exists()
    else:
        assert ApiToken.objects.filter(user=guest, name="ci").count() == 1


@pytest.mark.django_db
def test_a_request_that_crashes_releases_its_key_for_the_retry(guest, guest_token):
    """The database refuses the action's write (a trigger raising, as a full disk would): the
    answer is a 500, the key is not left in flight, and the retry with the same key runs at once
    rather than answering 409 for a minute."""
    api = Client(raise_request_exception=False)
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE EXCEPTION 'no space left on device'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER refuse_write BEFORE INSERT ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION refuse_write()"
        )

    crashed = create(api, guest_token, {"name": "ci"}, "key-1")
    left = list(IdempotencyKey.objects.values_list("state", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER refuse_write ON {table}")
    retried = create(api, guest_token, {"name": "ci"}, "key-1")

    assert crashed.status_code == 500
    assert error_of(crashed)["code"] == "server_error"
    assert left == []
    assert retried.status_code == 201
    assert retried.get("Idempotent-Replayed") is None
    assert ApiToken.objects.filter(user=guest, name="ci").count() == 1


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(client, guest_token, token_for):
    other = UserFactory.create()

    mine = create(client, guest_token, {"name": "ci"}, "shared")
    theirs = create(client, token_for(other), {"name": "ci"}, "shared")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["secret"] != theirs.json()["secret"]
    assert ApiToken.objects.filter(user=other, name="ci").count() == 1


@pytest.mark.django_db
def test_an_expired_key_acts_again(client, guest, guest_token):
    create(client, guest_token, {"name": "ci"}, "key-1")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = create(client, guest_token, {"name": "ci"}, "key-1")

    assert response.status_code == 201
    assert response.get("Idempotent-Replayed") is None
    assert ApiToken.objects.filter(user=guest, name="ci").count() == 2


@pytest.mark.django_db
def test_a_key_expires_24_hours_after_its_first_use(client, guest_token):
    before = timezone.now()
    create(client, guest_token, {"name": "ci"}, "key-1")
    after = timezone.now()

    record = IdempotencyKey.objects.get()

    assert before <= record.created_at <= after
    assert record.expires_at - record.created_at == timedelta(hours=24)


def used_hours_ago(hours: int) -> None:
    """Move every recorded key back in time, as if its request had been made `hours` ago."""
    back = timedelta(hours=hours)
    IdempotencyKey.objects.update(
        created_at=F("created_at") - back, expires_at=F("expires_at") - back
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("hours_ago", "replayed"), [(23, True), (25, False)])
def test_a_key_replays_for_24_hours_then_is_new_again(
    client, guest, guest_token, hours_ago, replayed
):
    first = create(client, guest_token, {"name": "ci"}, "key-1")
    used_hours_ago(hours_ago)

    again = create(client, guest_token, {"name": "ci"}, "key-1")

    assert again.status_code == 201
    assert (again.content == first.content) is replayed
    assert again.get("Idempotent-Replayed") == ("true" if replayed else None)
    assert ApiToken.objects.filter(user=guest, name="ci").count() == (1 if replayed else 2)


@pytest.mark.django_db
@pytest.mark.parametrize(("hours_ago", "swept"), [(23, 0), (25, 1)])
def test_the_sweep_deletes_a_key_after_24_hours(client, guest_token, hours_ago, swept):
    create(client, guest_token, {"name": "ci"}, "key-1")
    used_hours_ago(hours_ago)

    assert sweep_expired_keys(now=timezone.now()) == swept
    assert IdempotencyKey.objects.count() == 1 - swept


@pytest.mark.django_db
def test_a_rule_violation_is_recorded_and_replayed(client, guest, guest_token, token_for):
    for _ in range(MAX_ACTIVE_TOKENS - 1):
        token_for(guest)

    first = create(client, guest_token, {"name": "one-too-many"}, "key-1")
    ApiToken.objects.filter(user=guest).exclude(name="tests").delete()
    again = create(client, guest_token, {"name": "one-too-many"}, "key-1")

    assert (first.status_code, again.status_code) == (409, 409)
    assert error_of(first)["code"] == "too_many_tokens"
    assert again.content == first.content
    assert not ApiToken.objects.filter(name="one-too-many").exists()


@pytest.mark.django_db
def test_a_replay_is_the_first_answer_in_its_language_and_says_which(
    client, guest, guest_token, token_for
):
    """Bug: an answer written in German (Accept-Language: de), replayed to a retry that asked
    for English, was the German body (byte for byte, as promised) labelled
    `Content-Language: en`. The replay is the first answer: its body and the language it is
    written in."""
    for _ in range(MAX_ACTIVE_TOKENS - 1):
        token_for(guest)

    first = create(client, guest_token, {"name": "x"}, "key-1", language="de")
    again = create(client, guest_token, {"name": "x"}, "key-1", language="en")

    assert (first.status_code, again.status_code) == (409, 409)
    assert error_of(first)["message"] == "Du hast schon 50 aktive Tokens; widerrufe zuerst eines."
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert (first["Content-Language"], again["Content-Language"]) == ("de", "de")


@pytest.mark.django_db
def test_a_malformed_request_does_not_use_the_key_up(client, guest_token):
    bad = create(client, guest_token, {"name": ""}, "key-1")
    good = create(client, guest_token, {"name": "ci"}, "key-1")

    assert (bad.status_code, good.status_code) == (400, 201)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_validation_error(client, guest, guest_token, key):
    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "ci"},
        content_type="application/json",
        headers={"Idempotency-Key": key},
        **bearer(guest_token),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert not ApiToken.objects.filter(name="ci").exists()


@pytest.mark.django_db
def test_a_stored_response_does_not_keep_the_new_secret_in_clear(client, guest_token):
    secret = create(client, guest_token, {"name": "ci"}, "key-1").json()["secret"]

    record = IdempotencyKey.objects.get()

    assert record.response_body is not None
    assert secret.encode() not in bytes(record.response_body)
    assert record.response_status == 201


@pytest.mark.django_db
def test_sweeping_deletes_only_expired_keys(guest):
    now = timezone.now()
    for key, expires in [("old", now - timedelta(hours=1)), ("new", now + timedelta(hours=1))]:
        IdempotencyKey.objects.create(
            scope=f"user:{guest.pk}",
            key=key,
            fingerprint="f",
            created_at=now - timedelta(hours=25),
            expires_at=expires,
        )

    assert sweep_expired_keys(now=now) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_create_one_token(live_server, guest, token_for):
    token = token_for(guest)
    url = f"{live_server.url}/api/v1/me/tokens"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "race"}
    start = threading.Barrier(20)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def fire() -> None:
        start.wait()
        response = httpx.post(url, json={"name": "raced"}, headers=headers, timeout=30)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=fire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ApiToken.objects.filter(user=guest, name="raced").count() == 1
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    created = {response.content for response in responses if response.status_code == 201}
    assert len(created) == 1
    conflicts = [response for response in responses if response.status_code == 409]
    assert all(r.json()["error"]["code"] == "idempotency_in_flight" for r in conflicts)
