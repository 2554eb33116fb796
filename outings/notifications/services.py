"""Writes of the inbox and of email preferences."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from outings.accounts.models import User
from outings.common.errors import DomainError, NotFound, StaleVersion
from outings.common.zones import zone_or_utc
from outings.notifications import emails, live, selectors, texts
from outings.notifications.models import EmailPreferences, Notification

TOPICS = [topic.value for topic in EmailPreferences.Topic]


class InvalidUnsubscribeLink(DomainError):
    code = "invalid_link"
    status_code = 400
    message = gettext_noop("This unsubscribe link is not valid or has expired.")


@transaction.atomic
def notify(
    *,
    user: User,
    kind: str,
    data: Mapping[str, Any],
    url: str = "",
    email: bool = True,
    attachments: Sequence[tuple[str, Mapping[str, Any]]] = (),
    email_data: Mapping[str, Any] | None = None,
    until: datetime | None = None,
) -> Notification:
    """Put a notification in `user`'s inbox. Call it in the transaction of the change it reports:
    after that commits, the user's open pages receive it live, and an email follows through the
    outbox if the user wants mail about its topic, or always for a notice about their account
    (texts.ACCOUNT_KINDS) (and `email` is True: False when the caller
    sends a mail of its own about the same thing). `data` holds the values its text needs
    (texts.BODIES), JSON-serialisable; `url` is where it leads; `attachments` go with the email
    (emails.send_email); `email_data`, what the mail says where it differs from the inbox
    entry (a notice that overtook one whose mail never went says what that one would have);
    `until`, the deadline the notice gives (an offer's, a request's): its mail, not gone by
    then, is not sent (emails._overtaken), and the inbox keeps it."""
    notification = Notification.objects.create(
        user=user, kind=Notification.Kind(kind), data=dict(data), url=url, created_at=timezone.now()
    )
    # robust: the push is built after commit (rendered, the unread counted); a failure there is
    # logged (django.db.backends) and neither reaches the caller, whose change committed, nor
    # stops the callbacks after it (the outbox's nudge of this notice's mail).
    transaction.on_commit(lambda: _push(notification), robust=True)
    topic = texts.TOPIC_OF_KIND.get(kind)
    wanted = kind in texts.ACCOUNT_KINDS or (
        topic is not None and selectors.wants_email_about(user=user, topic=topic)
    )
    if email and wanted:
        told = dict(data if email_data is None else email_data)
        if until is not None:
            told["until"] = until.isoformat()
        emails.send_email(
            to=user.email,
            template="notification",
            context={
                "kind": kind,
                "data": told,
                "url": url,
                "id": notification.pk,
            },
            user_id=user.pk,
            topic=topic,
            attachments=attachments,
        )
    return notification


def withdraw_email(*, user: User, kind: str, about: Mapping[str, Any]) -> Notification | None:
    """A later notice overtakes the latest one of `kind` to `user` whose data holds `about`: its
    mail, unless it has gone (emails.holds), is withdrawn and never goes. That notice, when its
    mail will not go, so that the one overtaking it can say what it would have; else None (its
    mail went, or there is none). Call in the transaction that writes the later notice."""
    notice = (
        Notification.objects.filter(user=user, kind=kind, data__contains=dict(about))
        .order_by("-id")
        .first()
    )
    if notice is None:
        return None
    withdrawn = Notification.EmailState.WITHDRAWN
    # A mail marks its notice sent once it went (emails.deliver). One being sent while this
    # runs goes anyway: the later notice then also names what that one said (a window of one
    # SMTP exchange).
    held = Notification.objects.filter(pk=notice.pk, email_state__in=["", withdrawn])
    return notice if held.update(email_state=withdrawn) else None


def event_of(notification: Notification, *, user: User) -> dict[str, Any]:
    """A notification as the browser receives it, in `user`'s language and time zone."""
    language = emails.language_of(user.reading_language)
    zone = zone_or_utc(user.reading_time_zone)
    with translation.override(language), timezone.override(zone):
        text = texts.render(notification.kind, notification.data)
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "title": text.title,
        "body": text.body,
        # The language title and body are written in, which may not be the page's (another
        # tab or browser set the reader's language since): live.js marks the toast with it.
        "language": language,
        "body_parts": [list(part) for part in text.body_parts],
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def _push(notification: Notification) -> None:
    user = notification.user
    event = event_of(notification, user=user)
    event.update(_unread(user))
    live.publish(live.user_group(user.pk), event)


def _push_unread(user: User) -> None:
    live.publish(live.user_group(user.pk), {"type": "unread", **_unread(user)})


def _unread(user: User) -> dict[str, int]:
    """The unread count an event carries, with the number it was counted at: the events of two
    processes can arrive in the other order than they counted, and the page keeps the count
    with the highest number (selectors.unread_counted). Call after the change committed."""
    counted = selectors.unread_counted(user=user)
    return {"unread": counted.unread, "unread_change": counted.change}


@transaction.atomic
def mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read. Another user's notification is NotFound."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound(notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        transaction.on_commit(lambda: _push_unread(user), robust=True)
    return notification


@transaction.atomic
def mark_all_read(*, user: User, up_to_id: int | None = None) -> int:
    """Mark every unread notification of `user` read, or, with `up_to_id`, those up to that one
    (the newest that the page asking knew: one that came after it was shown stays unread);
    returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    count = unread.update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: _push_unread(user), robust=True)
    return count


class EmailPreferencesConflict(StaleVersion):
    """A save of the preferences from a page that showed them otherwise than they are now (an
    unsubscribe link, another tab). `current` is what is saved now."""

    message = gettext_noop(
        "Your email preferences were changed since you opened this page (by an unsubscribe "
        "link or in another window). Here they are now: choose again and save."
    )

    def __init__(self, *, current: EmailPreferences) -> None:
        super().__init__()
        self.current = current


@transaction.atomic
def update_email_preferences(
    *, user: User, topics: Mapping[str, bool], expected_version: str | None = None
) -> EmailPreferences:
    """Set which topics `user` gets mail about; topics not named keep their value. With
    `expected_version` (selectors.preferences_version of what a page showed), only if they are
    still so, checked under the row lock: else EmailPreferencesConflict and nothing changes, so
    that a page opened before an unsubscribe does not subscribe again (DESIGN.md 3.5)."""
    preferences, _ = EmailPreferences.objects.select_for_update().get_or_create(user=user)
    if expected_version is not None and (
        selectors.preferences_version(preferences=preferences) != expected_version
    ):
        raise EmailPreferencesConflict(current=preferences)
    for topic, wanted in topics.items():
        if topic not in TOPICS:
            raise DomainError(fields={topic: [gettext("Unknown topic.")]})
        setattr(preferences, topic, bool(wanted))
    preferences.save()
    return preferences


def read_unsubscribe_token(*, token: str) -> tuple[int, str]:
    """The (user id, topic) a signed unsubscribe token names; InvalidUnsubscribeLink if it was
    tampered with, is malformed or is older than UNSUBSCRIBE_MAX_AGE_DAYS."""
    try:
        value = signing.loads(
            token,
            salt=emails.UNSUBSCRIBE_SALT,
            max_age=settings.UNSUBSCRIBE_MAX_AGE_DAYS * 86400,
        )
        user_id, topic = int(value["u"]), str(value["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidUnsubscribeLink from error
    if topic not in TOPICS:
        raise InvalidUnsubscribeLink
    return user_id, topic


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn off the mail topic a signed link names (RFC 8058 one-click or the page's button)."""
    user_id, topic = read_unsubscribe_token(token=token)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidUnsubscribeLink
    update_email_preferences(user=user, topics={topic: False})
    return user, topic
