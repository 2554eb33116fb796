"""With Redis hung (it takes connections and never answers) every request of a signed-in user
waited REDIS_TIMEOUT_SECONDS for its session's cache read before the database served it: each
page, each API call from the site's pages. After a failed operation the session store now reads
the database alone for SESSION_RETRY_SECONDS (the database is the sessions' record), so a hung
Redis costs one read in that time, not every one. Writes and deletes still go to the cache too:
skipping one would leave an entry there that no longer holds (a signed-out session served from
the cache when it is back)."""

import socket
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

from outings.catalog.tests.factories import UserFactory
from outings.common import sessions
from outings.common.sessions import SESSION_RETRY_SECONDS, SessionStore, session_outage

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="the services profile's Redis"),
]


@pytest.fixture
def hung_caches() -> Iterator[dict[str, dict[str, object]]]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        hung = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        yield {name: {**config, "LOCATION": hung} for name, config in settings.CACHES.items()}


def test_a_hung_session_cache_costs_one_read_not_one_per_request(hung_caches):
    user = UserFactory.create()
    client = Client()
    client.force_login(user)
    with override_settings(CACHES=hung_caches):
        started = time.monotonic()
        answers = [client.get("/api/v1/me") for _ in range(5)]
        took = time.monotonic() - started

    assert [answer.status_code for answer in answers] == [200] * 5
    assert {answer.json()["id"] for answer in answers} == {user.pk}
    assert session_outage.failed_count == 1  # 5 before: each request's read waited
    assert took < 4 * settings.REDIS_TIMEOUT_SECONDS, took


def test_while_resting_the_session_is_read_from_the_database_and_written_to_both(
    hung_caches, monkeypatch
):
    store = SessionStore()
    store["step"] = 1
    store.save()
    with override_settings(CACHES=hung_caches):
        assert SessionStore(store.session_key).load() == {"step": 1}  # the read that waits
        assert session_outage.down
        changed = SessionStore(store.session_key)
        changed["step"] = 2
        changed.save()  # the database has it; the cache write is tried, and fails
        assert SessionStore(store.session_key).load() == {"step": 2}
        assert session_outage.failed_count == 2  # the first read and the write, not the second

        # Once the rest is over the cache is asked again.
        monkeypatch.setattr(sessions, "SESSION_RETRY_SECONDS", 0.0)
        assert SessionStore(store.session_key).load() == {"step": 2}
        assert session_outage.failed_count == 3
    assert SESSION_RETRY_SECONDS > 0
