"""Staff suspend (or reinstate) a host while another staff member gives the host profile to
another user account in the host admin (its `user` field), at that instant.

The suspension locked the host's row with its user in one statement (a JOIN, FOR UPDATE OF the
host only). Under READ COMMITTED, PostgreSQL rechecks a row that changed while the lock waited
against the rows of the other tables the statement had already read: the host, now another
user's, no longer joined the old user's row and dropped out of the result, and the suspension
answered "not found" for a host that exists (a retry worked). It now locks the host alone and
reads its user after: the suspension is made, and the user the profile now belongs to told."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.accounts.services import MODERATE_HOSTS, reinstate_host, suspend_host
from outings.catalog.tests.factories import HostProfileFactory, UserFactory
from outings.common.tests.connections import in_thread, until_waiting
from outings.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

ACTIONS: dict[str, tuple[Callable[[User, int], HostProfile], bool, str]] = {
    "suspend": (
        lambda staff, host_id: suspend_host(
            staff=staff, host_id=host_id, reason="Fake listings.", now=timezone.now()
        ),
        False,
        Notification.Kind.HOST_SUSPENDED,
    ),
    "reinstate": (
        lambda staff, host_id: reinstate_host(staff=staff, host_id=host_id, reason="Cleared."),
        True,
        Notification.Kind.HOST_REINSTATED,
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_suspension_waiting_for_the_profile_given_to_another_user_is_made_and_told(
    name: str,
) -> None:
    act, suspended_before, kind = ACTIONS[name]
    staff = UserFactory.create(is_staff=True, permissions=[MODERATE_HOSTS])
    host = HostProfileFactory.create(suspended_at=timezone.now() if suspended_before else None)
    new_user = UserFactory.create()
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the host admin's save: the row locked until it commits
        HostProfile.objects.filter(pk=host.pk).update(user=new_user)
        action = in_thread(outcome, "action", lambda: act(staff, host.pk))
        until_waiting(1)
    action.join(timeout=10)

    assert isinstance(outcome["action"], HostProfile), outcome["action"]
    after = HostProfile.objects.get(pk=host.pk)
    assert (after.suspended_at is None) == suspended_before
    told = Notification.objects.filter(kind=kind).values_list("user_id", flat=True)
    assert list(told) == [new_user.pk]
