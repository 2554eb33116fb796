"""Security review (session 18): what staff and users could do beyond what is theirs, each
proved against the real database before its fix."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from outings.bookings.models import Booking, BookingEvent
from outings.catalog.tests.factories import UserFactory
from outings.web.tests.test_admin_queries import changelist, rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.mark.parametrize(
    ("codenames", "may_cancel"),
    [(["view_booking"], False), (["view_booking", "change_booking"], True)],
    ids=["view-only", "view-and-change"],
)
def test_only_staff_who_may_change_bookings_cancel_them_from_the_list(
    client: Client, codenames: list[str], may_cancel: bool
) -> None:
    """The list's "Cancel, refunding in full" took no permission: any staff member allowed to
    read the bookings (a support desk with "view booking" only) could cancel any of them and
    refund them in full. It takes the permission to change bookings, as the other staff
    actions (approve, suspend, cancel a date, retry a message) do."""
    rows(1)
    confirmed = Booking.objects.filter(status=Booking.Status.CONFIRMED).get()
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    events = BookingEvent.objects.count()

    listed = client.get(changelist(Booking))
    client.post(
        changelist(Booking),
        {"action": "cancel_with_full_refund", "_selected_action": [confirmed.pk]},
    )

    assert listed.status_code == 200
    assert (b"cancel_with_full_refund" in listed.content) is may_cancel
    confirmed.refresh_from_db()
    if may_cancel:
        assert (confirmed.status, confirmed.cancelled_by) == ("cancelled", Booking.Party.STAFF)
        assert confirmed.refund_due == confirmed.total_price
    else:
        assert (confirmed.status, confirmed.refund_due) == (Booking.Status.CONFIRMED, None)
        assert BookingEvent.objects.count() == events
