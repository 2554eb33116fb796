"""Staff's "Suspend" and "Reinstate" actions on several hosts (Host moderation in the admin) when
one of them cannot be moved: another staff member deleted its user (and with it the host) after
the list was shown. Each host is handled on its own: the others are still suspended or
reinstated, and staff read both what was done and what was not, never a 500."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.catalog.tests.factories import HostProfileFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

PAGE = "/admin/hosting/hostmoderation/"


@pytest.fixture
def staff_browser() -> Client:
    """A superuser in the admin, answering 500s as a browser would see them."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def three_hosts() -> list[HostProfile]:
    return [HostProfileFactory.create(display_name=name) for name in ("Ana", "Ben", "Cleo")]


def deleting_before_the_first(
    monkeypatch: pytest.MonkeyPatch, service: str, gone: HostProfile
) -> None:
    """The action's first call of `service` waits until another staff member's deletion of
    `gone`'s user, on a connection of its own, has committed: the action read its hosts before."""
    real: Callable[..., Any] = getattr(account_services, service)
    deleted = threading.Event()

    def delete() -> None:
        close_old_connections()
        try:
            User.objects.filter(pk=gone.user_id).delete()
        finally:
            connection.close()

    def after_the_deletion(**kwargs: Any) -> Any:
        if not deleted.is_set():
            other_staff = threading.Thread(target=delete)
            other_staff.start()
            other_staff.join(timeout=10)
            deleted.set()
        return real(**kwargs)

    monkeypatch.setattr(account_services, service, after_the_deletion)


def said(response: Any) -> list[tuple[str, str]]:
    return [(message.tags, str(message)) for message in response.context["messages"]]


def test_suspending_hosts_goes_on_past_one_that_is_gone_and_says_which_were_suspended(
    staff_browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, ben, cleo = three_hosts()
    deleting_before_the_first(monkeypatch, "suspend_host", ben)

    response = staff_browser.post(
        PAGE,
        {"action": "suspend", "_selected_action": [ana.pk, ben.pk, cleo.pk], "reason": "Spam."},
        follow=True,
    )

    assert response.status_code == 200
    assert not HostProfile.objects.filter(pk=ben.pk).exists()
    suspended = HostProfile.objects.filter(pk__in=[ana.pk, cleo.pk], suspended_at__isnull=False)
    assert sorted(suspended.values_list("display_name", flat=True)) == ["Ana", "Cleo"]
    assert sorted(said(response)) == [
        ("error", "Ben: Not found."),
        ("success", "Suspended: Cleo, Ana."),  # in the list's order, newest first
    ]


def test_reinstating_hosts_goes_on_past_one_that_is_gone_and_is_no_500(
    staff_browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, ben, cleo = three_hosts()
    HostProfile.objects.update(suspended_at=timezone.now())
    deleting_before_the_first(monkeypatch, "reinstate_host", ben)

    response = staff_browser.post(
        PAGE, {"action": "reinstate", "_selected_action": [ana.pk, ben.pk, cleo.pk]}, follow=True
    )

    assert response.status_code == 200
    assert not HostProfile.objects.filter(pk=ben.pk).exists()
    active = HostProfile.objects.filter(pk__in=[ana.pk, cleo.pk], suspended_at__isnull=True)
    assert sorted(active.values_list("display_name", flat=True)) == ["Ana", "Cleo"]
    assert sorted(said(response)) == [
        ("error", "Ben: Not found."),
        ("success", "Reinstated: Cleo, Ana."),
    ]


def test_suspending_hosts_all_refused_says_so_for_each_and_nothing_was_suspended(
    staff_browser: Client,
) -> None:
    """A reason PostgreSQL cannot store (a NUL) is refused for every host, each named; no
    "Suspended" message claims otherwise."""
    ana, ben, _cleo = three_hosts()

    response = staff_browser.post(
        PAGE,
        {"action": "suspend", "_selected_action": [ana.pk, ben.pk], "reason": "Spam\x00"},
        follow=True,
    )

    assert response.status_code == 200
    assert not HostProfile.objects.filter(suspended_at__isnull=False).exists()
    assert sorted(said(response)) == [
        ("error", "Ana: The host profile is not valid. Must not contain NUL characters."),
        ("error", "Ben: The host profile is not valid. Must not contain NUL characters."),
    ]
