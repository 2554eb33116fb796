"""The channel layer of the embedded profile: channels_postgres, adapted to this project.

channels_postgres keeps messages in a table and wakes listeners with LISTEN/NOTIFY, so an event
published by a Celery worker or a gunicorn process reaches the websocket server, with nothing to
install. Two changes: it discards group members through a second DATABASES alias
("channels_postgres"), which we do not want to add (every test database and pool would double),
so `group_discard` uses the layer's own connection pool; it schedules a sleeping cleanup task
on every discard, which we replace with a periodic task
(outings.notifications.tasks.clean_live_messages); and its `group_add` inserts a row each time,
while our sockets add themselves again on every ping (consumers.renew): ours renews the
membership's `expire` in place, which the periodic task reads.
"""

from datetime import timedelta
from typing import Any

from channels_postgres.core import (
    PostgresChannelLayer as _PostgresChannelLayer,
)
from channels_postgres.db import GROUP_CHANNEL_TABLE, utc_now
from psycopg import sql

_DISCARD = sql.SQL("DELETE FROM {table} WHERE group_key = %s AND channel = %s").format(
    table=sql.Identifier(GROUP_CHANNEL_TABLE)
)


# One membership row per group and channel (the table has no such constraint, and a socket is
# read by one consumer only, so the two statements never race for one channel).
_RENEW = sql.SQL(
    "WITH renewed AS (UPDATE {table} SET expire = %(expire)s"
    " WHERE group_key = %(group)s AND channel = %(channel)s RETURNING 1)"
    " INSERT INTO {table} (group_key, channel, expire)"
    " SELECT %(group)s, %(channel)s, %(expire)s WHERE NOT EXISTS (SELECT FROM renewed)"
).format(table=sql.Identifier(GROUP_CHANNEL_TABLE))


class PostgresChannelLayer(_PostgresChannelLayer):  # type: ignore[misc]
    async def group_discard(self, group: str, channel: str, expire: Any = None) -> None:
        assert self.require_valid_group_name(group)
        assert self.require_valid_channel_name(channel)
        pool = await self.django_db.get_db_pool(db_params=self.db_params)
        async with pool.connection() as conn:
            await conn.execute(_DISCARD, (self._group_key(group), channel))

    async def group_add(self, group: str, channel: str) -> None:
        assert self.require_valid_group_name(group)
        assert self.require_valid_channel_name(channel)
        expire = utc_now() + timedelta(seconds=self.group_expiry)
        pool = await self.django_db.get_db_pool(db_params=self.db_params)
        async with pool.connection() as conn:
            await conn.execute(
                _RENEW, {"group": self._group_key(group), "channel": channel, "expire": expire}
            )
