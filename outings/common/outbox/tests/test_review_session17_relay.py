"""Session 17's review of the outbox relay: the retry schedule's cap and who may retry from the
admin (docs/background-work.md, "The outbox")."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import override_settings

from outings.accounts.models import User
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.outbox import relay

Status = OutboxMessage.Status
pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/common/outboxmessage/"


@outbox.handler("test.s17.plain", queue="slow", atomic=False)
def plain(message: OutboxMessage) -> None:
    pass


def staff_with(*codenames: str) -> User:
    user = User.objects.create_user(username="moderator", email="m@example.com", password="x")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@override_settings(OUTBOX_RETRY_BASE_SECONDS=10, OUTBOX_RETRY_MAX_SECONDS=3600)
def test_no_retry_waits_longer_than_the_cap_jitter_included():
    """OUTBOX_RETRY_MAX_SECONDS is the longest a message waits between two attempts; the jitter
    was added after the cap, so that a message waited up to 72 minutes for a cap of 60."""
    for attempts in [9, 10, 11, 16, 40]:
        delays = [relay.backoff(attempts).total_seconds() for _ in range(200)]

        assert max(delays) <= 3600, (attempts, max(delays))
        assert len(set(delays)) > 1, attempts  # still spread at the cap: no retries in step


def test_staff_who_may_only_view_the_outbox_cannot_retry_its_messages(client, nudges):
    """Retrying sends parked messages (mail, refunds) again: it changes the outbox, so it takes
    the permission to change outbox messages. A moderator who may only look at the outbox was
    offered the action, and it worked."""
    parked = OutboxMessage.objects.create(
        kind="test.s17.plain", queue="slow", status=Status.PARKED, attempts=3
    )
    client.force_login(staff_with("view_outboxmessage"))

    page = client.get(CHANGELIST)
    response = client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [parked.pk]}, follow=True
    )

    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action is offered (nor delete)
    assert response.status_code == 200
    parked.refresh_from_db()
    assert (parked.status, parked.attempts) == (Status.PARKED, 3)
    assert not LogEntry.objects.exists()
    assert nudges == []


def test_staff_who_may_change_outbox_messages_can_retry_them(client, nudges):
    parked = OutboxMessage.objects.create(
        kind="test.s17.plain", queue="slow", status=Status.PARKED, attempts=3
    )
    client.force_login(staff_with("view_outboxmessage", "change_outboxmessage"))

    response = client.post(CHANGELIST, {"action": "retry", "_selected_action": [parked.pk]})

    assert response.status_code == 302
    parked.refresh_from_db()
    assert (parked.status, parked.attempts) == (Status.PENDING, 0)
    assert LogEntry.objects.get().change_message == "Retried from the admin"
