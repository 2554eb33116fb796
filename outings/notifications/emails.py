"""Transactional email through the outbox: templated (text + HTML), rendered when sent in the
recipient's language and time zone, with a Message-ID derived from the outbox row so that every
retry of one mail is recognisably the same mail."""

import functools
import logging
import smtplib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.encoding import punycode

from outings.accounts.models import User
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.zones import zone_or_utc
from outings.notifications import selectors, texts
from outings.notifications.models import EmailPreferences, Notification
from outings.notifications.smtp import EmailBackend as SealingBackend

logger = logging.getLogger(__name__)

KIND = "email.send"
UNSUBSCRIBE_SALT = "outings.notifications.unsubscribe"
# The Message-ID's domain when the sender's gives none.
DEFAULT_DOMAIN = "outings.localhost"
# An SMTP connection idle for longer may have been dropped by the server: open a fresh one.
MAX_IDLE_SECONDS = 10.0


# An attachment is rendered when the mail is built, by a function another app registers under a
# name (bookings registers "booking.ics"): the payload stays small and the file is always current.
AttachmentFunc = Callable[..., "Attachment | None"]
_attachments: dict[str, AttachmentFunc] = {}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str
    # Content-Type parameters of a text attachment besides its charset (text/calendar's
    # "method", which iMIP requires).
    parameters: tuple[tuple[str, str], ...] = ()


def attachment(name: str) -> Callable[[AttachmentFunc], AttachmentFunc]:
    """Register the function that renders the attachment `name` from the keyword arguments a
    send_email call gave it; it returns None when there is nothing to attach any more."""

    def register(func: AttachmentFunc) -> AttachmentFunc:
        _attachments[name] = func
        return func

    return register


# A notice that a later one can overtake (a date moved again before the mail about its first
# move went): a function another app registers for the notification's kind (bookings registers
# "booking.retimed" and "booking.confirmed") says, when the mail is built, whether what the
# notice's data says still holds. One that no longer holds, or whose notice was withdrawn
# (services.withdraw_email), is not mailed: a later notice says what holds now. One that went is
# marked sent, so that a later notice knows what the recipient's mailbox says. The notice is the
# notification whose own mail it is, or the one a mail of its own names (send_email's `notice`);
# a mail that is no notification's (a reminder) names its news the same way, with no id: it
# goes while its data holds, and nothing is marked. News with a deadline (data "until": a
# reminder's "coming up soon", an offer's "held for you until", a request's "accept or decline
# by") holds until that moment whatever its kind (`_overtaken`): a mail held up past it by the
# urgent queue's workers or the mail server is not sent.
HoldsFunc = Callable[[Mapping[str, Any]], bool]
_holds: dict[str, HoldsFunc] = {}


def holds(kind: str) -> Callable[[HoldsFunc], HoldsFunc]:
    """Register the function that says whether a notice of `kind` (its data) still holds."""

    def register(func: HoldsFunc) -> HoldsFunc:
        _holds[kind] = func
        return func

    return register


def _notice_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The notice ({"kind", "id", "data"}) whose news a mail tells: named by the mail's own
    `notice`, or a notification's own mail, whose context has them."""
    notice: Mapping[str, Any] = payload.get("notice") or payload.get("context", {})
    return notice


def _overtaken(notice: Mapping[str, Any]) -> bool:
    """Whether a mail telling this notice's news is about news a later notice overtook, or news
    whose time is over (its data's `until`)."""
    until = parse_datetime(str(notice.get("data", {}).get("until") or ""))
    if until is not None and timezone.now() >= until:
        return True
    still = _holds.get(str(notice.get("kind", "")))
    if still is None:
        return False
    withdrawn = "id" in notice and (
        Notification.objects.filter(
            pk=int(notice["id"]), email_state=Notification.EmailState.WITHDRAWN
        ).exists()
    )
    return withdrawn or not still(notice.get("data", {}))


def _record_sent(message: OutboxMessage) -> None:
    notice = _notice_of(message.payload)
    if str(notice.get("kind", "")) in _holds and "id" in notice:
        Notification.objects.filter(pk=int(notice["id"]), email_state="").update(
            email_state=Notification.EmailState.SENT
        )


class PermanentFailure(Exception):
    """The server refused the mail for good (5xx): retrying cannot help, so it is parked."""


def send_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    user_id: int | None = None,
    topic: str | None = None,
    attachments: Sequence[tuple[str, Mapping[str, Any]]] = (),
    secret: bool = False,
    language: str = "",
    time_zone: str = "UTC",
    notice: Mapping[str, Any] | None = None,
    fixed_address: bool = False,
) -> OutboxMessage:
    """Queue a mail in the caller's transaction. `template` names
    notifications/email/<template>{_subject.txt,.txt,.html}. `context` must be JSON-serialisable;
    values whose key ends in "_at" are datetimes (ISO strings) shown in the recipient's zone. With
    `user_id`, the mail is rendered in that user's language and zone and goes to the address
    the user has when it is sent (`to` is the one they had when it was queued; none if the
    account was deleted meanwhile), unless `fixed_address` (a booking offered to the address
    the giver typed: it goes there, the account or not); with `topic` too, it
    carries an unsubscribe link and is skipped if the user opted out of the topic before it went.
    `attachments` name registered attachment functions (see `attachment`) and their arguments.
    With `secret`, the context holds something only the recipient may know (a one-time link):
    it is erased from the outbox row once the mail has gone, or is skipped. `language` and
    `time_zone` are for a recipient who is no user (the best guess the caller has), ignored
    with `user_id`. `notice` ({"kind", "id", "data"}): the notification whose news this mail
    tells in a template of its own (the "Booked" mail, with its invite): it goes only while that
    notice holds, and marks it sent, as the notification's own mail would (`holds`); without
    "id", the mail's own news (a reminder), held the same way, with nothing to mark."""
    for name, _arguments in attachments:
        if name not in _attachments:
            raise LookupError(f"no attachment function is registered as {name!r}")
    return outbox.enqueue(
        kind=KIND,
        payload={
            "to": to,
            "template": template,
            "context": dict(context),
            "user_id": user_id,
            "topic": topic,
            "attachments": [[name, dict(arguments)] for name, arguments in attachments],
            "language": language,
            "time_zone": time_zone,
            **({"secret": True} if secret else {}),
            **({"notice": dict(notice)} if notice is not None else {}),
            **({"fixed_address": True} if fixed_address else {}),
        },
    )


def _forget_secret(message: OutboxMessage) -> None:
    """Erase the context of a delivered (or skipped) secret mail from its outbox row."""
    if message.payload.get("secret") is True:
        payload = {**message.payload, "context": {}, "secret": "erased"}
        OutboxMessage.objects.filter(pk=message.pk).update(payload=payload)


def unsubscribe_token(*, user_id: int, topic: str) -> str:
    return signing.dumps({"u": user_id, "t": topic}, salt=UNSUBSCRIBE_SALT, compress=True)


@functools.lru_cache(maxsize=8)
def _domain_of(sender: str) -> str:
    """The sender's domain as a Message-ID writes it: in ASCII (RFC 5322 3.6.4), a domain's
    IDNA form (`ausflüge.de` is `xn--ausflge-r2a.de`), as Django writes it in From. Written as
    it was (until session 24), a header not in ASCII was sent as a MIME encoded word, which is
    no Message-ID at all."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    try:
        return punycode(domain) if domain else DEFAULT_DOMAIN
    except UnicodeError:  # a label the codec refuses: Django could not write the From either
        return DEFAULT_DOMAIN


def message_id(message: OutboxMessage) -> str:
    domain = _domain_of(settings.DEFAULT_FROM_EMAIL)
    return f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def language_of(code: str) -> str:
    codes = {language for language, _ in settings.LANGUAGES}
    return code if code in codes else settings.LANGUAGE_CODE


class Mail(EmailMultiAlternatives):
    """A mail whose attachments may carry Content-Type parameters of their own (text/calendar's
    "method", RFC 6047 §2.4): Django's attach() takes a bare type, so they are set on the parts
    of the message it builds, by filename."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameters: dict[str, tuple[tuple[str, str], ...]] = {}

    def message(self, *args: Any, **kwargs: Any) -> Any:
        message = super().message(*args, **kwargs)
        for part in message.walk():
            for name, value in self.parameters.get(part.get_filename() or "", ()):
                part.set_param(name, value)
        return message


def build(message: OutboxMessage) -> Mail | None:
    """The mail an email.send outbox message stands for, or None if its recipient opted out,
    their account was deleted since, or what it tells no longer holds: a later notice overtook
    it, or its time passed (`holds`)."""
    payload = message.payload
    user = (
        User.objects.filter(pk=payload.get("user_id")).first() if payload.get("user_id") else None
    )
    if payload.get("user_id") and user is None and not payload.get("fixed_address"):
        # The account was deleted after the mail was queued: it is nobody's mail any more (it
        # went to the address the row kept, until session 23). A booking offered to an
        # address (fixed_address) is the address's, and goes.
        logger.info("email: #%s skipped, user %s no longer exists", message.pk, payload["user_id"])
        return None
    topic = payload.get("topic")
    if user is not None and topic and not selectors.wants_email_about(user=user, topic=topic):
        logger.info("email: #%s skipped, user %s opted out of %s", message.pk, user.pk, topic)
        return None
    if _overtaken(_notice_of(payload)):
        logger.info("email: #%s skipped, what it tells no longer holds", message.pk)
        return None
    context: dict[str, Any] = {
        key: (parse_datetime(value) or value) if key.endswith("_at") else value
        for key, value in payload["context"].items()
    }
    context.update(user=user, site_url=settings.SITE_URL)
    headers = {"Message-ID": message_id(message), "Auto-Submitted": "auto-generated"}
    if user is not None and topic:
        link = settings.SITE_URL + reverse(
            "notifications:unsubscribe", args=[unsubscribe_token(user_id=user.pk, topic=topic)]
        )
        context["unsubscribe_url"] = link
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    language = language_of(user.reading_language if user else payload.get("language", ""))
    zone = zone_or_utc(user.reading_time_zone if user else payload.get("time_zone", "UTC"))
    name = f"notifications/email/{payload['template']}"
    with translation.override(language), timezone.override(zone):
        if "kind" in context:
            context["text"] = texts.render(context["kind"], context.get("data", {}))
            context["booking"] = texts.booking_facts(context.get("data", {}))
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    # The user's address now: one queued before they changed it (SMTP down for hours) went to
    # the address they had left.
    to = user.email if user is not None and user.email and not payload.get("fixed_address") else ""
    mail = Mail(subject=subject, body=text, to=[to or payload["to"]], headers=headers)
    mail.attach_alternative(html, "text/html")
    for name, arguments in payload.get("attachments", []):
        with translation.override(language), timezone.override(zone):
            rendered = _attachments[name](**arguments)
        if rendered is not None:
            mail.attach(rendered.filename, rendered.content, rendered.mimetype)
            mail.parameters[rendered.filename] = rendered.parameters
    return mail


class _Connections:
    """One SMTP connection per worker process, reused across messages (a new connection per
    mail costs a TCP and TLS handshake and an EHLO)."""

    backend: BaseEmailBackend | None = None
    used_at = 0.0
    # Whether the backend `get` returned holds a connection kept open from an earlier mail.
    kept = False

    def get(self) -> BaseEmailBackend:
        if self.backend is not None and time.monotonic() - self.used_at > MAX_IDLE_SECONDS:
            self.discard()
        if self.backend is None:
            self.backend = get_connection(fail_silently=False)
        self.kept = getattr(self.backend, "connection", None) is not None
        self.used_at = time.monotonic()
        return self.backend

    def discard(self) -> None:
        if self.backend is not None:
            try:
                self.backend.close()
            except (smtplib.SMTPException, OSError):
                logger.debug("email: closing a broken SMTP connection failed", exc_info=True)
        self.backend = None


_connections = _Connections()


def raise_if_refused(error: smtplib.SMTPException) -> None:
    """When `error` refuses this mail: PermanentFailure (the outbox parks the message at once)
    if for good; outbox.Deferred if its recipients are refused for now (450 mailbox busy,
    greylisting): retried with backoff while the server takes the drain's other mail.
    Otherwise (the server gone, our session refused) nothing: the caller re-raises `error`,
    retried with backoff, and the rest of the drain's mail waits with it."""
    if is_permanent(error):
        raise PermanentFailure(f"{type(error).__name__}: {error}") from error
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        raise outbox.Deferred(f"{type(error).__name__}: {error}") from error


# The answer to MAIL FROM, whose SIZE (RFC 1870, sent by smtplib when the server limits sizes)
# gives the mail's size, that refuses a mail larger than the server ever takes.
TOO_LARGE = 552


def is_permanent(error: smtplib.SMTPException) -> bool:
    """A 5xx refusal of this mail (every recipient, its content, or its size: 552 to MAIL FROM)
    is final. A refusal of our session (the greeting, HELO, authentication, our sender address:
    530, 535, 554 ...) says nothing about the mail: it is retried with backoff, so that once the
    server or our settings are fixed the queue goes on, instead of every mail being parked by
    one drain. Until session 24 a mail too large was read as one: retried for hours, the
    drain's other mail held back each time it came due."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    if isinstance(error, smtplib.SMTPSenderRefused):
        return error.smtp_code == TOO_LARGE
    return False


@outbox.handler(
    KIND,
    queue="urgent",
    atomic=False,
    retry_on=(smtplib.SMTPException, OSError),
    max_attempts=settings.EMAIL_MAX_ATTEMPTS,
)
def deliver(message: OutboxMessage) -> None:
    """Send the mail. With our SMTP backend the outbox row is marked done right after the final
    "." (see smtp.py); with any other backend (files, tests) after sending."""
    mail = build(message)
    if mail is None:
        _forget_secret(message)
        return
    deliver_sealed(mail, message=message)
    for record in (_record_sent, _forget_secret):
        try:
            record(message)
        except DatabaseError:
            # The mail went: an exception from here on would tell the outbox that it did not,
            # and the outbox would send it again (a lock timeout, a lost connection). What this
            # costs: the notice's "sent" mark, or a secret left in a delivered row until purged.
            logger.exception("email: #%s went, but %s failed", message.pk, record.__name__)


class _ClosedWhileKept(Exception):
    """The server had closed the connection kept open since the previous mail, and nothing of
    this mail reached it."""


def deliver_sealed(mail: EmailMessage, *, message: OutboxMessage) -> None:
    """Send `mail`, the effect of the outbox `message` (a non-atomic handler's): with our SMTP
    backend the row is marked done right after the final "." (see smtp.py); with any other
    backend (files, tests) after sending. Raises as the outbox retries or parks: a refusal of
    the mail for good parks it, one of its recipients for now defers it alone.

    A connection kept open from the previous mail that the server closed meanwhile (its idle
    timeout, a restart) is replaced at once, once: the mail is sent on a new connection
    instead of waiting for its retry delay with the rest of the drain's mail."""
    try:
        _deliver_once(mail, message=message)
    except _ClosedWhileKept as closed:
        logger.info(
            "email: #%s: the SMTP server had closed the kept connection (%s); a new one",
            message.pk,
            closed.__cause__,
        )
        _deliver_once(mail, message=message)  # a new connection: never _ClosedWhileKept


def _deliver_once(mail: EmailMessage, *, message: OutboxMessage) -> None:
    backend = _connections.get()
    kept = _connections.kept
    sealed = False
    try:
        if isinstance(backend, SealingBackend):
            # Prepared before the mail goes out: after its final ".", sending "done" is all
            # that is left to do (docs/background-work.md, "Email: once, and only once").
            fire = outbox.sealer(message)

            def seal() -> Callable[[], None] | None:
                nonlocal sealed
                sealed = True
                return fire()

            backend.send_sealed(mail, seal=seal)
        else:
            backend.send_messages([mail])
    except smtplib.SMTPException as error:
        _connections.discard()
        if kept and not sealed and _closed_by_server(error):
            raise _ClosedWhileKept from error
        raise_if_refused(error)
        raise
    except BaseException:
        # Mid-DATA or unknown state: never reuse this connection.
        _connections.discard()
        raise
    if not isinstance(backend, SealingBackend):
        _connections.discard()


def _closed_by_server(error: smtplib.SMTPException) -> bool:
    """Whether `error` says that the server closed the connection, before it replied to
    anything of this mail: the connection found closed (smtplib's SMTPServerDisconnected, also
    for a reset or a broken pipe), or a 421 in answer to its first command (RFC 5321 4.5.3.2: a
    server closing an idle connection may say so first, and the client reads it then)."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, smtplib.SMTPSenderRefused) and error.smtp_code == 421


def topic_label(topic: str) -> str:
    return str(EmailPreferences.Topic(topic).label)
