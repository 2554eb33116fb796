"""Account mail (sign-up verification, password reset, security notices) through the outbox. The
mail is rendered when it is queued (allauth renders with the request's context) and sent by a
worker on the `urgent` queue the way of every other mail (emails.deliver_sealed: marked done
right after the final "."), retried while the server is unreachable, with its row's Message-ID.

The payload holds the rendered mail, verification link included, until the outbox purges
delivered messages (OUTBOX_KEEP_DAYS); the link itself expires sooner (allauth's
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.notifications import emails

KIND = "accounts.mail"


def enqueue_mail(message: EmailMessage) -> OutboxMessage:
    alternatives = getattr(message, "alternatives", []) or []
    return outbox.enqueue(
        kind=KIND,
        payload={
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "headers": dict(message.extra_headers),
            "alternatives": [[str(content), str(mimetype)] for content, mimetype in alternatives],
        },
    )


@outbox.handler(
    KIND,
    queue="urgent",
    atomic=False,
    retry_on=(smtplib.SMTPException, OSError),
    # As long as any other mail: a sign-up or reset link must outlast an SMTP outage too.
    max_attempts=settings.EMAIL_MAX_ATTEMPTS,
    # The reset or verification link in the payload signs its holder in as the recipient.
    secret=True,
)
def deliver(message: OutboxMessage) -> None:
    payload = message.payload
    headers = dict(payload["headers"])
    # The row's Message-ID, as every other mail's: each attempt of this mail is the same mail
    # (Django's own, made anew at each attempt, also named the worker's host).
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = emails.message_id(message)
    mail = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=headers,
    )
    for content, mimetype in payload["alternatives"]:
        mail.attach_alternative(content, mimetype)
    # As every other mail: "done" right after the final ".", before the server's reply
    # (docs/background-work.md, "Email: once"). "550 no such user" (a mistyped address) is
    # parked at once, "450 mailbox busy" delays this mail alone, our session refused retries.
    emails.deliver_sealed(mail, message=message)
