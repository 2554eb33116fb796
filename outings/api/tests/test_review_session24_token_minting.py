"""Review (session 24): a token could mint a token that outlived "Revoke all tokens".

`POST /api/v1/me/tokens` called with a token T creates a token without the password (ADR 0011).
The request authenticated T, then created the new token N, with nothing tying the two together:
when the owner pressed "Revoke all tokens" (a lost laptop, a leaked script) while such a request
ran, N survived the revocation, a credential minted by a token its owner had revoked.

- revoked between T's authentication and the minting: N was created (201) anyway;
- revoked while N was being created: the revocation's UPDATE did not see N, not yet committed,
  and left it active.

Now the minting checks, under the user's row lock, that T is still active (else the 401 a
revoked token gets, nothing created, the Idempotency-Key not used up), and revoking every token
takes that lock first, so that it waits for a minting under way and revokes its token too.
Real PostgreSQL, two connections: the revocation runs in a thread of its own.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User
from outings.api.models import IdempotencyKey
from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Revocation(threading.Thread):
    """'Revoke all tokens' pressed on the account page, on a connection of its own."""

    def __init__(self, user: User) -> None:
        super().__init__(daemon=True)
        self.user = user
        self.backend_pid: int | None = None
        self.started_query = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.started_query.set()
            account_services.revoke_all_api_tokens(user=self.user, now=timezone.now())
        except BaseException as error:  # noqa: BLE001 - reported to the test's thread
            self.error = error
        finally:
            self.started_query.set()
            connection.close()

    def finish(self) -> None:
        self.join(timeout=10)
        assert not self.is_alive()
        if self.error is not None:
            raise self.error


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _done_or_blocked(revocation: Revocation) -> None:
    """Wait until the revocation has either finished or is waiting for a lock."""
    assert revocation.started_query.wait(timeout=10)
    for _attempt in range(1000):
        revocation.join(timeout=0.01)
        if not revocation.is_alive():
            return
        if revocation.backend_pid is not None and _waiting_on_a_lock(revocation.backend_pid):
            return
    raise AssertionError("the revocation neither finished nor waited")


def _minting_with(monkeypatch: Any, before: Callable[[], None], after: Callable[[], None]) -> None:
    mint = account_services.create_api_token

    def minting(**kwargs: Any) -> account_services.IssuedToken:
        before()
        issued = mint(**kwargs)
        after()  # still inside the request's transaction
        return issued

    monkeypatch.setattr(account_services, "create_api_token", minting)


def test_a_token_revoked_before_it_mints_creates_nothing(client, monkeypatch):
    user = UserFactory.create()
    secret = account_services.create_api_token(user=user, name="leaked").secret

    def revoke_everything() -> None:
        revocation = Revocation(user)
        revocation.start()
        revocation.finish()

    _minting_with(monkeypatch, before=revoke_everything, after=lambda: None)

    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "mine now"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="mint-1",
        **bearer(secret),
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert list(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == ["leaked"]
    assert not IdempotencyKey.objects.exists()  # the key is not used up


def test_revoking_all_while_a_token_mints_revokes_the_new_one_too(client, monkeypatch):
    user = UserFactory.create()
    secret = account_services.create_api_token(user=user, name="leaked").secret
    revocation = Revocation(user)

    def revoke_everything_meanwhile() -> None:
        revocation.start()
        _done_or_blocked(revocation)

    _minting_with(monkeypatch, before=lambda: None, after=revoke_everything_meanwhile)

    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "mine now"},
        content_type="application/json",
        **bearer(secret),
    )
    revocation.finish()

    assert response.status_code == 201  # minted before the revocation went through
    minted = response.json()["secret"]
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert client.get("/api/v1/me", **bearer(minted)).status_code == 401


def test_a_token_revoked_alone_after_minting_leaves_the_new_one(client):
    """The control: revoking the minting token after the new one exists is an ordinary
    revocation of one token; the new token stays, as it would had the two come one by one."""
    user = UserFactory.create()
    secret = account_services.create_api_token(user=user, name="old laptop").secret
    old = ApiToken.objects.get(user=user)

    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "new laptop"},
        content_type="application/json",
        **bearer(secret),
    )
    account_services.revoke_api_token(user=user, token_id=old.pk, now=timezone.now())

    assert response.status_code == 201
    assert client.get("/api/v1/me", **bearer(response.json()["secret"])).status_code == 200
