import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from outings.catalog.tests.factories import UserFactory
from outings.common.models import Heartbeat
from outings.common.views import health

pytestmark = pytest.mark.django_db


def test_health_is_200_when_every_component_is_up(client):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())

    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "worker": "ok"},
        "problems": {},
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_naming_a_worker_that_stopped_reporting(client):
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
    assert response.json()["problems"] == {"worker": "no worker has reported yet"}


def test_health_is_503_naming_an_unreachable_broker(client, settings):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/health")

    assert response.status_code == 503
    assert list(response.json()["problems"]) == ["broker"]


@pytest.fixture
def cache_down(settings):
    """A worker that reports, and a cache at an address nothing listens on."""
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
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
