"""Review: failing tests for defects in background work and live delivery."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from outings.accounts import mail as account_mail
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails, live, services
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_emails import smtp_settings
from outings.notifications.tests.test_inbox import listen, received

pytestmark = pytest.mark.django_db
STARTS_AT = "2026-07-01T16:00:00+00:00"
Status = OutboxMessage.Status


def queue_account_mail(to: str = "new.user@example.org") -> OutboxMessage:
    """What allauth's adapter queues for a sign-up verification or a password reset."""
    return account_mail.enqueue_mail(
        EmailMessage(subject="Confirm your address", body="Open this link: ...", to=[to])
    )


def test_a_live_notification_reads_in_the_language_the_user_reads_the_site_in(
    django_capture_on_commit_callbacks,
):
    """A user who never chose a language ("follow the browser") but reads the site in German
    (site_language, recorded by SiteLanguageMiddleware for exactly this) gets the mail about a
    booking in German, and must get the live notification about it in German too, not in
    English."""
    user = UserFactory.create(preferred_language="", site_language="de", time_zone="UTC")
    channel = listen(live.user_group(user.pk))

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=user,
            kind="booking.confirmed",
            data={"listing": "Harbour walk", "starts_at": STARTS_AT},
        )
    relay.drain(queue="urgent", budget=5)

    [sent] = mail.outbox
    assert sent.subject == "Buchung bestätigt: Harbour walk"  # the mail follows site_language
    [event] = received(channel)
    assert event["title"] == "Buchung bestätigt"  # the live event does not: "Booking confirmed"


def test_an_account_mail_survives_an_smtp_outage_as_long_as_any_other_mail():
    """EMAIL_MAX_ATTEMPTS (16, "about seven hours of an SMTP outage") is what mail gets before it
    is parked. A sign-up verification or password-reset mail (kind accounts.mail) only gets
    OUTBOX_MAX_ATTEMPTS (12, about 3.4 hours): after a four-hour outage every booking mail is
    still waiting to go, but every account mail is parked and needs staff."""
    down = SmtpSink()  # a port nobody listens on
    account = queue_account_mail()
    booking = emails.send_email(to="guest@example.org", template="notification", context={})
    # Both have failed through the first eleven attempts (~3.4 hours of backoff) already.
    OutboxMessage.objects.filter(pk__in=[account.pk, booking.pk]).update(attempts=11)

    with smtp_settings(down):
        relay.drain(queue="urgent", budget=5)

    account.refresh_from_db()
    booking.refresh_from_db()
    assert (booking.status, booking.attempts) == (Status.PENDING, 12)
    assert (account.status, account.attempts) == (Status.PENDING, 12)  # is: parked


def test_an_account_mail_refused_for_good_is_parked_at_once_not_retried_for_hours(sink):
    """A 5xx to every recipient (a mistyped address at sign-up: "550 No such user") will not
    improve by waiting; docs/background-work.md parks such a mail at once. The account mail is
    retried instead, OUTBOX_MAX_ATTEMPTS times over hours, knocking at the server each time."""
    sink.recorder.refuse_recipients = True
    account = queue_account_mail(to="someone@gmial.example")

    with smtp_settings(sink):
        relay.drain(queue="urgent", budget=5)
        emails._connections.discard()

    account.refresh_from_db()
    assert account.attempts == 1
    assert account.status == Status.PARKED  # is: pending, due again after backoff
    assert sink.recorder.messages == []
