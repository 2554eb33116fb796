import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from outings.catalog.tests.factories import UserFactory
from outings.common.models import Heartbeat
from outings.common.views import health

pytestmark = pytest.mark.django_db


def workers_alive(*, but: str = "") -> None:
    """Every queue's heartbeat recent, except the one named `but`."""
    for name in ("urgent worker", "worker", "slow worker"):
        if name != but:
            Heartbeat.objects.create(name=name, seen_at=timezone.now())


def test_health_is_200_when_every_component_is_up(client):
    workers_alive()

    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "ok",
            "urgent_worker": "ok",
            "worker": "ok",
            "slow_worker": "ok",
        },
        "problems": {},
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_naming_a_worker_that_stopped_reporting(client):
    workers_alive(but="worker")
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(minutes=5))

    response = client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"] == "down"
    assert body["problems"]["worker"] == "last worker heartbeat 300 s ago"


def test_health_is_503_when_no_worker_ever_reported(client):
    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["problems"] == {
        "urgent_worker": "no urgent worker has reported yet",
        "worker": "no worker has reported yet",
        "slow_worker": "no slow worker has reported yet",
    }


def test_health_is_503_when_only_the_urgent_queue_has_no_worker(client):
    """A worker started with `--queues default` consumes no mail: /health says so."""
    workers_alive(but="urgent worker")

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["problems"] == {"urgent_worker": "no urgent worker has reported yet"}


def test_health_is_503_when_only_the_slow_queue_has_no_worker(client):
    workers_alive(but="slow worker")

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["problems"] == {"slow_worker": "no slow worker has reported yet"}


def test_health_is_503_naming_an_unreachable_broker(client, settings):
    workers_alive()
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/health")

    assert response.status_code == 503
    assert list(response.json()["problems"]) == ["broker"]


@pytest.fixture
def cache_down(settings):
    """Workers that report, and a cache at an address nothing listens on."""
    workers_alive()
    settings.CACHES = {
        "default": {
            "BACKEND": "outings.common.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
        "pages": {
            "BACKEND": "outings.common.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }


def test_health_is_503_naming_a_cache_that_is_down(client, cache_down):

    response = client.get("/health")

    assert response.status_code == 503
    assert list(response.json()["problems"]) == ["cache"]


def test_the_heartbeat_task_records_the_worker_as_alive(client):
    from outings.common.tasks import record_heartbeat

    record_heartbeat.apply()

    beat = Heartbeat.objects.get(name="worker")
    assert timezone.now() - beat.seen_at < timedelta(seconds=5)


def test_beat_sends_a_heartbeat_to_each_queue_that_health_checks():
    from django.conf import settings

    from outings.common.tasks import HEARTBEATS

    sent = {
        entry.get("options", {}).get("queue", "default"): (entry.get("args") or ("worker",))[0]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "outings.common.tasks.record_heartbeat"
    }

    assert sent == HEARTBEATS


def test_anonymous_callers_are_not_told_internal_addresses(client, cache_down):
    response = client.get("/health")

    assert response.status_code == 503
    assert "127.0.0.1:1" not in response.content.decode()
    assert response.json()["problems"]["cache"] == "unreachable (the server log says why)"


def test_staff_read_why_a_server_is_unreachable(cache_down):
    request = RequestFactory().get("/health")
    request.user = UserFactory.create(is_staff=True)

    problem = json.loads(health(request).content)["problems"]["cache"]

    assert "127.0.0.1:1" in problem


def test_signed_in_staff_read_why_on_the_site(client, cache_down):
    """/health is answered before the session middleware: the view loads the user itself."""
    client.force_login(UserFactory.create(is_staff=True))

    problem = client.get("/health").json()["problems"]["cache"]

    assert "127.0.0.1:1" in problem
