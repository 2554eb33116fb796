"""An event raised in another process (a Celery worker, a gunicorn worker) reaches a browser's
socket: through Redis when REDIS_URL is set, else through PostgreSQL (channels_postgres). The
in-memory layer would fail this test: it only reaches sockets of the process that published."""

import asyncio
import os
import subprocess
import sys

import pytest
from channels.testing import WebsocketCommunicator
from channels_postgres import db as postgres_db
from django.conf import settings
from django.test import Client, override_settings

from config.asgi import application
from outings.catalog.tests.factories import UserFactory
from tests.faults.conftest import ROOT
from tests.live_gunicorn import private_channel_layers, served_database_url

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISH = """
import django
django.setup()
from outings.accounts.models import User
from outings.notifications import services
services.notify(user=User.objects.get(pk={user_id}), kind="listing.approved",
                data={{"listing": "Harbour walk"}})
"""


def test_a_notification_raised_in_another_process_reaches_the_users_socket(tmp_path):
    user = UserFactory.create()
    client = Client()
    client.force_login(user)
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
    prefix, layers = private_channel_layers(settings.CHANNEL_LAYERS)
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
        "DATABASE_URL": served_database_url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "fault-tests"),
        "OUTINGS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "CACHE_KEY_PREFIX": prefix,
    }

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[(b"origin", b"http://testserver"), cookie],
        )
        assert (await socket.connect())[0]
        # Longer than channels_redis' 5 s blocking pop: an idle socket must survive it.
        await asyncio.sleep(6)
        publisher = await asyncio.create_subprocess_exec(
            sys.executable, "-c", PUBLISH.format(user_id=user.pk), cwd=ROOT, env=env,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        _, errors = await publisher.communicate()
        assert publisher.returncode == 0, errors.decode()
        event = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        if postgres_db.connection_pool is not None:  # let the test database be dropped
            await postgres_db.connection_pool.close()
            postgres_db.connection_pool = None
        return event

    with override_settings(CHANNEL_LAYERS=layers):
        event = asyncio.run(scenario())

    assert (event["type"], event["title"]) == ("notification", "Listing approved")
    assert event["body"] == "“Harbour walk” is now published."
