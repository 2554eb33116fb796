from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from outings.notifications.layers import PostgresChannelLayer


@shared_task(ignore_result=True)
def clean_live_messages() -> None:
    """Beat: with the PostgreSQL channel layer, delete live events nobody picked up before they
    expired (the layer keeps small ones in its table until then) and group memberships of
    sockets that are long gone. A no-op with Redis, whose keys expire by themselves."""
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if backend != f"{PostgresChannelLayer.__module__}.{PostgresChannelLayer.__name__}":
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM channels_postgres_message WHERE expire < %s", [now])
        # Memberships never expire by themselves (group_expiry 0); a socket that vanished without
        # a disconnect (server killed) leaves one behind. A live socket renews its own on every
        # ping (consumers.renew, every 25 s), so a day without one means the socket is gone.
        cursor.execute(
            "DELETE FROM channels_postgres_groupchannel WHERE expire < %s",
            [now - timedelta(days=1)],
        )
