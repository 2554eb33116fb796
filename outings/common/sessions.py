"""Sessions in the cache, backed by the database, where the cache is only ever a cache.

Django's `cached_db` engine reads the database when a cache read fails, but then refills the
cache without any error handling (and deletes without any either), so with the cache down every
request of a signed-in user was a 500. Here every cache error is a miss: the database is the
record and the session works without the cache (DESIGN.md section 5). The outage is logged when
it begins, at most once a minute while it lasts and when it ends (`session_outage`,
outings.common.outage); until session 21 each failed cache operation logged a warning.

While the cache is down, writes reach only the database. A cache that comes back with its data
(a network partition, not a restart) may serve an entry that was changed or deleted meanwhile
until that entry expires; Django's own `save` already accepts this for a failed cache write.

The async variants are Django's: HTTP is served through WSGI, and Channels reads sessions
through the sync API.
"""

import logging
from typing import Any, cast

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.contrib.sessions.backends.db import SessionStore as DbStore
from django.core.cache.backends.base import BaseCache

from outings.common.cache import CACHE_ERRORS
from outings.common.outage import Outage

logger = logging.getLogger(__name__)


session_outage = Outage(
    logger=logger,
    name="the session cache",
    effect="the database serves sessions alone",
    failures="session cache operations failed",
)


# After a failed cache operation, how long sessions are read from the database alone (their
# record): against a hung Redis every signed-in request's read waited REDIS_TIMEOUT_SECONDS,
# and now one in this time does. Writes and deletes still go to the cache too, so that no entry
# is left there that no longer holds (a signed-out session served from it once it is back).
SESSION_RETRY_SECONDS = 5.0


class SessionStore(CachedDbStore):
    # Django's own attributes, which django-stubs leaves out.
    _cache: BaseCache
    _session: dict[str, Any]

    def load(self) -> dict[str, Any]:
        if session_outage.resting(SESSION_RETRY_SECONDS):
            return DbStore.load(self)
        try:
            data = self._cache.get(self.cache_key)
        except CACHE_ERRORS as error:
            session_outage.failed(error)
            return DbStore.load(self)
        session_outage.recovered()
        if data is not None:
            return cast(dict[str, Any], data)
        session = self._get_session_from_db()  # type: ignore[attr-defined]
        if session is None:
            return {}
        data = self.decode(session.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        except CACHE_ERRORS as error:
            session_outage.failed(error)
        return data

    def exists(self, session_key: str) -> bool:
        if session_outage.resting(SESSION_RETRY_SECONDS):
            return DbStore.exists(self, session_key)
        try:
            found = super().exists(session_key)
        except CACHE_ERRORS as error:
            session_outage.failed(error)
            return DbStore.exists(self, session_key)
        session_outage.recovered()
        return found

    def save(self, must_create: bool = False) -> None:
        DbStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except CACHE_ERRORS as error:
            session_outage.failed(error)
            return
        session_outage.recovered()

    def delete(self, session_key: str | None = None) -> None:
        DbStore.delete(self, session_key)
        if session_key is None:
            session_key = self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_ERRORS as error:
            session_outage.failed(error)
