"""A host hears of their suspension and of its end. Suspending puts "Host account suspended" in
the host's inbox (live on their open pages after commit) and mails it with staff's reason and a
link to their hosting page; reinstating does the same. The mail goes whatever the host's mail
preferences (it is about their account, not a topic to opt out of) and carries no unsubscribe
link. Both are written in the suspension's transaction: one refused or already in effect tells
nobody."""

import pytest
from django.conf import settings
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.accounts.services import reinstate_host, suspend_host
from outings.catalog.services import StaffOnly
from outings.catalog.tests.factories import HostProfileFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails, live
from outings.notifications import services as notification_services
from outings.notifications.models import Notification
from outings.notifications.tests.test_inbox import listen, received
from outings.notifications.tests.test_review_mail import deliver, text_of, to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

SUSPENDED = (
    "Your host account is suspended: your listings are off the site and you cannot change them "
    "until it is lifted; bookings already made stand."
)
REINSTATED = "Your host account is active again: your published listings are back on the site."


@pytest.fixture
def staff() -> User:
    return UserFactory.create(
        is_staff=True, first_name="Mo", permissions=["hosting.change_hostmoderation"]
    )


@pytest.fixture
def host() -> HostProfile:
    user = UserFactory.create(first_name="Ada", preferred_language="en")
    return HostProfileFactory.create(user=user)


def test_suspending_tells_the_host_why_in_the_inbox_live_and_by_mail(
    staff, host, sink, django_capture_on_commit_callbacks
):
    bell = listen(live.user_group(host.user_id))

    with django_capture_on_commit_callbacks(execute=True):
        suspend_host(staff=staff, host_id=host.pk, reason=" Fake listings. \n", now=timezone.now())

    said = f"{SUSPENDED} Our team's note: Fake listings."
    [told] = Notification.objects.filter(user_id=host.user_id)
    assert (told.kind, told.url, told.data) == (
        "host.suspended",
        "/host/",
        {"reason": "Fake listings."},
    )
    [event] = received(bell)
    assert (event["title"], event["body"], event["url"]) == (
        "Host account suspended",
        said,
        "/host/",
    )
    [mail] = to(deliver(sink), host.user)
    assert mail["Subject"] == "Host account suspended · Outings"
    body = text_of(mail)
    assert body.startswith("Hello Ada,")
    assert said in body
    assert f"Your hosting page: {settings.SITE_URL}/host/" in body
    assert "Stop these emails" not in body  # not a topic to unsubscribe from
    assert not Notification.objects.exclude(user_id=host.user_id).exists()


def test_reinstating_tells_the_host_their_listings_are_back(staff, host, sink):
    suspend_host(staff=staff, host_id=host.pk, reason="", now=timezone.now())

    reinstate_host(staff=staff, host_id=host.pk)

    kinds = list(
        Notification.objects.filter(user_id=host.user_id).order_by("pk").values_list("kind", "data")
    )
    assert kinds == [("host.suspended", {}), ("host.reinstated", {})]
    mails = {str(mail["Subject"]): text_of(mail) for mail in to(deliver(sink), host.user)}
    assert f"{SUSPENDED} Contact us to ask why." in mails["Host account suspended · Outings"]
    assert REINSTATED in mails["Host account reinstated · Outings"]


def test_the_mail_goes_even_to_a_host_who_wants_no_mail_about_their_listings(staff, host, sink):
    notification_services.update_email_preferences(
        user=host.user, topics={"listings": False, "bookings": False}
    )

    suspend_host(staff=staff, host_id=host.pk, reason="Spam", now=timezone.now())

    [mail] = to(deliver(sink), host.user)
    assert f"{SUSPENDED} Our team's note: Spam" in text_of(mail)


def test_a_german_host_reads_it_in_german(staff, sink):
    user = UserFactory.create(first_name="Jörg", preferred_language="de")
    host = HostProfileFactory.create(user=user)

    suspend_host(staff=staff, host_id=host.pk, reason="Bitte melden.", now=timezone.now())

    [mail] = to(deliver(sink), user)
    assert mail["Subject"] == "Gastgeberkonto gesperrt · Outings"
    body = text_of(mail)
    assert body.startswith("Hallo Jörg,")
    assert "Anmerkung unseres Teams: Bitte melden." in body


def test_a_refused_or_repeated_suspension_tells_nobody(staff, host):
    with pytest.raises(StaffOnly):
        suspend_host(staff=host.user, host_id=host.pk, reason="", now=timezone.now())
    assert not Notification.objects.exists()

    suspend_host(staff=staff, host_id=host.pk, reason="Spam", now=timezone.now())
    suspend_host(staff=staff, host_id=host.pk, reason="Spam again", now=timezone.now())
    reinstate_host(staff=staff, host_id=host.pk)
    reinstate_host(staff=staff, host_id=host.pk)

    kinds = Notification.objects.order_by("pk").values_list("kind", flat=True)
    assert list(kinds) == ["host.suspended", "host.reinstated"]  # one each: no change, no notice
    assert OutboxMessage.objects.filter(kind=emails.KIND).count() == 2
