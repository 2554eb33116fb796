"""Session 20: the live push of a notification is built after its transaction committed (the
on-commit callback renders it and counts the unread). A failure there reached the caller after
its change had committed (a 500 for a write that succeeded) and skipped the callbacks after it
(the outbox's nudge of the notification's own mail). It is now logged and the rest goes on.

Real commits (transactional test); the rendering fails for real: a moment in the notice's data
that is well formed but no date (Django's parse_datetime raises ValueError for it)."""

import logging

import pytest
from django.db import transaction

from outings.accounts.models import User
from outings.notifications import live, services
from outings.notifications.models import Notification
from outings.notifications.tests.test_inbox import listen, received

pytestmark = pytest.mark.django_db(transaction=True)

BROKEN = {"listing": "Walk", "starts_at": "2030-02-30T10:00:00+00:00"}  # no 30th of February


def test_a_notice_whose_push_cannot_be_rendered_still_commits_and_is_logged(
    guest: User, nudges: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    mine = listen(live.user_group(guest.pk))

    with caplog.at_level(logging.ERROR), transaction.atomic():
        broken = services.notify(user=guest, kind=Notification.Kind.BOOKING_CANCELLED, data=BROKEN)
        good = services.notify(
            user=guest, kind=Notification.Kind.LISTING_APPROVED, data={"listing": "Walk"}
        )

    assert list(Notification.objects.order_by("pk")) == [broken, good]
    assert [(event["id"], event["unread"]) for event in received(mine)] == [(good.pk, 2)]
    assert nudges == ["urgent"]  # the mails' nudge still left after the failed push
    assert [record.levelno for record in caplog.records] == [logging.ERROR]
    assert caplog.records[0].exc_info is not None
    assert caplog.records[0].exc_info[0] is ValueError
