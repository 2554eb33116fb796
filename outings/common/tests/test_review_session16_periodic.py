"""Session 16's mutation audit of the periodic jobs: beat's schedule (config/settings.py) and the
sweeps it runs. A misspelt task name in the schedule is no error anywhere: beat sends a message
that no worker knows, the worker logs it and drops it, and the job silently never runs (the
outbox sweep: nothing missed is ever delivered; the idempotency sweep: the table only grows).
Each test names the one-line change that used to pass the whole suite."""

from datetime import timedelta

import pytest
from channels_postgres.models import GroupChannel, Message
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from config.celery import app
from outings.api.idempotency import sweep_expired_keys
from outings.api.models import IdempotencyKey
from outings.notifications.layers import PostgresChannelLayer
from outings.notifications.tasks import clean_live_messages

# What docs/background-work.md, docs/api.md and docs/bookings.md say beat runs, and how often.
EXPECTED = {
    "outings.common.outbox.tasks.sweep": settings.OUTBOX_SWEEP_SECONDS,
    "outings.common.outbox.tasks.purge": 3600.0,
    "outings.api.tasks.sweep_idempotency_keys": 3600.0,
    "outings.bookings.tasks.decide_minimums": settings.BOOKINGS_MINIMUM_CHECK_SECONDS,
    "outings.notifications.tasks.clean_live_messages": 300.0,
    "outings.stats.tasks.flush_listing_views": settings.STATS_FLUSH_SECONDS,
}


def test_every_task_beat_sends_is_one_a_worker_knows() -> None:
    """Misspelling the outbox sweep's or the idempotency sweep's task name passed every test."""
    app.loader.import_default_modules()  # what a worker imports at start (autodiscovery)
    registered = set(app.tasks)

    unknown = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in registered
    }

    assert unknown == {}


def test_beat_runs_the_sweeps_and_checks_as_often_as_the_docs_say() -> None:
    scheduled = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    assert {task: scheduled.get(task) for task in EXPECTED} == EXPECTED
    # A sweep that could not run in time is superseded by the next one, never piled up.
    [sweep] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "outings.common.outbox.tasks.sweep"
    ]
    assert sweep["options"] == {"expires": settings.OUTBOX_SWEEP_SECONDS * 2}


@pytest.mark.django_db
def test_the_idempotency_sweep_deletes_a_key_at_the_instant_it_stops_being_replayed() -> None:
    """A request with the key at its `expires_at` is treated as new (idempotency._claim); the
    sweep at that instant deletes it too, so the two never disagree about a key. Sweeping only
    keys strictly past it passed every test."""
    now = timezone.now()
    IdempotencyKey.objects.create(
        scope="user:1", key="k", fingerprint="f", created_at=now - timedelta(days=1), expires_at=now
    )
    kept = IdempotencyKey.objects.create(
        scope="user:1",
        key="later",
        fingerprint="f",
        created_at=now,
        expires_at=now + timedelta(microseconds=1),
    )

    assert sweep_expired_keys(now=now) == 1

    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [kept.pk]


POSTGRES_LAYER = {
    "default": {"BACKEND": f"{PostgresChannelLayer.__module__}.{PostgresChannelLayer.__name__}"}
}


@pytest.mark.django_db
@override_settings(CHANNEL_LAYERS=POSTGRES_LAYER)
def test_the_live_cleanup_deletes_only_expired_events_and_memberships_a_day_past_expiry() -> None:
    """Beat's `clean_live_messages` (embedded profile, channels_postgres): an event not yet
    expired may still be picked up by a socket, and a membership expires a day late on purpose.
    Deleting the wrong side of either comparison passed every test: there was none."""
    now = timezone.now()
    Message.objects.create(channel="a", message=b"old", expire=now - timedelta(seconds=1))
    Message.objects.create(channel="b", message=b"fresh", expire=now + timedelta(minutes=1))
    GroupChannel.objects.create(group_key="g", channel="a", expire=now - timedelta(days=2))
    GroupChannel.objects.create(group_key="g", channel="b", expire=now - timedelta(hours=1))
    GroupChannel.objects.create(group_key="g", channel="c", expire=now + timedelta(days=1))

    clean_live_messages()

    assert list(Message.objects.values_list("channel", flat=True)) == ["b"]
    assert sorted(GroupChannel.objects.values_list("channel", flat=True)) == ["b", "c"]
