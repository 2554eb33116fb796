"""The channel layer of the embedded profile: channels_postgres, adapted to this project.

channels_postgres keeps messages in a table and wakes listeners with LISTEN/NOTIFY, so an event
published by a Celery worker or a gunicorn process reaches the websocket server, with nothing to
install. Two changes: it discards group members through a second DATABASES alias
("channels_postgres"), which we do not want to add (every test database and pool would double),
so `group_discard` uses the layer's own connection pool; and it schedules a sleeping cleanup task
on every discard, which we replace with a periodic task
(outings.notifications.tasks.clean_live_messages).
"""

from typing import Any

from channels_postgres.core import (
    PostgresChannelLayer as _PostgresChannelLayer,
)
from channels_postgres.db import GROUP_CHANNEL_TABLE
from psycopg import sql

_DISCARD = sql.SQL("DELETE FROM {table} WHERE group_key = %s AND channel = %s").format(
    table=sql.Identifier(GROUP_CHANNEL_TABLE)
)


class PostgresChannelLayer(_PostgresChannelLayer):  # type: ignore[misc]
    async def group_discard(self, group: str, channel: str, expire: Any = None) -> None:
        assert self.require_valid_group_name(group)
        assert self.require_valid_channel_name(channel)
        pool = await self.django_db.get_db_pool(db_params=self.db_params)
        async with pool.connection() as conn:
            await conn.execute(_DISCARD, (self._group_key(group), channel))
