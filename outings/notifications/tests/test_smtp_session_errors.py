"""A mail server that refuses our *session* (530 authentication required, 535 bad credentials,
554 on connect) says nothing about the mail: the mail is retried with backoff, not parked, so
that fixing the server or our settings lets the queue go on. One drain must not park the whole
backlog at its first attempt."""

import pytest

from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails, services

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def test_a_server_that_refuses_our_session_does_not_park_every_mail_in_the_queue(sink):
    async def auth_required(server, session, envelope, address, options):
        return "530 5.7.0 Authentication required"

    sink.recorder.handle_MAIL = auth_required
    for n in range(5):
        user = UserFactory.create(email=f"guest{n}@example.org")
        services.notify(
            user=user,
            kind="booking.confirmed",
            data={"listing": "Harbour walk", "starts_at": "2026-07-01T16:00:00+00:00"},
            url="/things-to-do/1/",
        )

    emails._connections.discard()
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)
    emails._connections.discard()

    statuses = list(OutboxMessage.objects.filter(kind=emails.KIND).values_list("status", flat=True))
    assert statuses.count(Status.PARKED) <= 1, (
        f"{statuses.count(Status.PARKED)} of {len(statuses)} mails parked at their first attempt "
        "by one drain, for a refusal that was about the SMTP session"
    )
