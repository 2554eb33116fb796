"""The session engine: Django's cached_db, with the cache failing as a miss, never an error."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches

from outings.common.sessions import SessionStore

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "outings.common.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: connection refused
    }
}


def test_a_session_lives_in_the_database_and_the_cache():
    store = SessionStore()
    store["guest"] = 7
    store.save()

    assert Session.objects.filter(session_key=store.session_key).exists()
    assert caches["default"].get(store.cache_key) == {"guest": 7}
    caches["default"].delete(store.cache_key)
    assert SessionStore(store.session_key).load() == {"guest": 7}  # from the database...
    assert caches["default"].get(store.cache_key) == {"guest": 7}  # ...and back in the cache
    store.delete()


def test_with_the_cache_down_a_session_is_created_read_and_deleted_in_the_database(
    settings, caplog
):
    settings.CACHES = CACHE_DOWN
    store = SessionStore()
    store["guest"] = 7
    store.create()
    store.save()
    key = store.session_key
    assert key is not None

    again = SessionStore(key)
    assert again.load() == {"guest": 7}
    assert again.exists(key)
    again.delete()
    assert not Session.objects.exists()
    assert SessionStore(key).load() == {}
    # One line for the outage, not one per cache operation (session 21).
    [line] = [r.getMessage() for r in caplog.records if r.name == "outings.common.sessions"]
    assert line.startswith("the session cache unavailable (ConnectionError: ")
    assert line.endswith("the database serves sessions alone until it is back")
