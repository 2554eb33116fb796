"""With Redis down (every cache at a closed port), POST /accounts/login/ and
/accounts/password/reset/ answered 500 (redis.exceptions.ConnectionError): allauth's rate limits
(ACCOUNT_RATE_LIMITS: log-in, failed log-ins, sign-up, password reset, the address confirmation
mail, re-authentication) read and write the cache with no error handling. They now count in the
`ratelimits` cache, which reads as empty and drops writes while its server is down, as the API's
throttle does (ADR 0010): the forms work without a limit until Redis is back, and the outage is
logged once. With Redis up the limits limit as before."""

import logging
import re
import socket
import time

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client, override_settings

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.common.cache import RATE_LIMIT_RETRY_SECONDS, ratelimits_outage
from outings.common.tests.test_review_session21_outage_logs import refused_caches, warnings

pytestmark = pytest.mark.django_db
# The outage tests point the services profile's Redis at a closed port; the limits are checked
# in both profiles.
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="the services profile's Redis")

PASSWORD = "a-long-pass-phrase-9"
OUTAGE = "the sign-in rate-limit store"


def _verified_user(email: str) -> User:
    user = UserFactory.create(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [line for line in warnings(caplog) if line.startswith(OUTAGE)]


@needs_redis
def test_logging_in_with_redis_down_signs_in_and_logs_the_outage_once(caplog):
    user = _verified_user("ada@example.org")
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        wrong = [
            Client().post("/accounts/login/", {"login": user.email, "password": "wrong"})
            for _ in range(20)
        ]
        client = Client()
        right = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
        signed_in_as = client.session.get("_auth_user_id")

    assert {response.status_code for response in wrong} == {200}
    assert all(b"not correct" in response.content for response in wrong)
    assert right.status_code == 302, right.content[:500]
    assert signed_in_as == str(user.pk)
    [line] = _outage_lines(caplog)
    assert line.startswith(f"{OUTAGE} unavailable (ConnectionError: ")
    assert line.endswith(
        "log-in, sign-up and password-reset attempts are not limited until it is back"
    )
    assert not [r for r in caplog.records if r.exc_info]


@needs_redis
def test_asking_for_a_password_reset_with_redis_down_sends_it(caplog):
    user = _verified_user("grace@example.org")
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        responses = [
            Client().post("/accounts/password/reset/", {"email": user.email}) for _ in range(8)
        ]

    assert {response.status_code for response in responses} == {302}
    assert {response["Location"] for response in responses} == {"/accounts/password/reset/done/"}
    assert len(_outage_lines(caplog)) == 1, warnings(caplog)


@needs_redis
def test_signing_up_with_redis_down_makes_the_account(caplog):
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        responses = [
            Client().post(
                "/accounts/signup/",
                {"email": f"new{n}@example.org", "password1": PASSWORD, "password2": PASSWORD},
            )
            for n in range(3)
        ]

    assert {response.status_code for response in responses} == {302}, responses[0].content[:500]
    assert User.objects.filter(email__startswith="new").count() == 3
    assert len(_outage_lines(caplog)) == 1, warnings(caplog)


@needs_redis
def test_reauthenticating_with_redis_down_asks_the_password_and_takes_it(caplog):
    user = _verified_user("alan@example.org")
    client = Client()
    client.force_login(user)
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    assert response.status_code == 302, response.content[:500]
    assert len(_outage_lines(caplog)) == 1, warnings(caplog)


@needs_redis
def test_a_log_in_with_redis_hung_waits_for_one_timeout_not_one_per_operation(caplog):
    """A Redis that takes connections and never answers: each of the twelve operations of a
    log-in's limits waited REDIS_TIMEOUT_SECONDS (1 s), 12.8 s for one wrong password. After a
    failure the limits leave Redis alone for RATE_LIMIT_RETRY_SECONDS, so one operation waits."""
    user = _verified_user("hung@example.org")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        hung = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        caches = {name: {**config, "LOCATION": hung} for name, config in settings.CACHES.items()}
        client = Client()
        with caplog.at_level(logging.INFO), override_settings(CACHES=caches):
            started = time.monotonic()
            response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
            took = time.monotonic() - started

    assert response.status_code == 302, response.content[:500]
    assert ratelimits_outage.failed_count == 1  # one operation waited; the others did not ask
    assert took < 8 * settings.REDIS_TIMEOUT_SECONDS, took  # 23.8 s before; the session's own
    [line] = _outage_lines(caplog)
    assert line.startswith(f"{OUTAGE} unavailable (TimeoutError: ")


@needs_redis
def test_the_end_of_the_outage_is_logged_once(caplog, monkeypatch):
    monkeypatch.setattr("outings.common.outage.QUIET_SECONDS", 0.0)
    user = _verified_user("edsger@example.org")
    with caplog.at_level(logging.INFO):
        with override_settings(CACHES=refused_caches()):
            Client().post("/accounts/login/", {"login": user.email, "password": "wrong"})
        time.sleep(RATE_LIMIT_RETRY_SECONDS)  # until then the limits do not ask Redis again
        Client().post("/accounts/login/", {"login": user.email, "password": "wrong"})

    down, back = _outage_lines(caplog)
    assert down.startswith(f"{OUTAGE} unavailable (ConnectionError: ")
    # 1: the first of the log-in's twelve operations (three limits, each a lock taken, a read, a
    # write and the lock released) failed; the eleven after it did not ask Redis.
    assert re.fullmatch(
        rf"{OUTAGE} is back after \d+ s; 1 rate-limit reads and writes failed meanwhile", back
    )


def test_with_the_cache_up_failed_log_ins_are_limited_per_account():
    """allauth's "5/5m/key": the sixth wrong password locks the account's log-in for five
    minutes, the right one included, from any client."""
    user = _verified_user("barbara@example.org")
    for attempt in range(5):
        response = Client().post(
            "/accounts/login/", {"login": user.email, "password": f"wrong-{attempt}"}
        )
        assert b"not correct" in response.content

    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_with_the_cache_up_password_resets_are_limited_per_address():
    """allauth's "5/m/key" for resets: the sixth request for one address in a minute is a
    429."""
    user = _verified_user("frances@example.org")
    statuses = [
        Client().post("/accounts/password/reset/", {"email": user.email}).status_code
        for _ in range(6)
    ]

    assert statuses == [302] * 5 + [429]
