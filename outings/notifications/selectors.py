"""Reads of the inbox and of email preferences; every one is scoped to the user who asks."""

from django.db.models import QuerySet

from outings.accounts.models import User
from outings.common.errors import NotFound
from outings.notifications.models import EmailPreferences, Notification
from outings.notifications.texts import TOPIC_OF_KIND

MAX_PAGE = 100


def inbox(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first (order by -id for keyset pagination)."""
    return Notification.objects.filter(user=user).order_by("-id")


def notification_of(*, user: User, notification_id: int) -> Notification:
    """One of the user's notifications; NotFound for another user's or none."""
    found = inbox(user=user).filter(pk=notification_id).first()
    if found is None:
        raise NotFound(notification_id=notification_id)
    return found


def inbox_page(
    *, user: User, before_id: int | None = None, limit: int = 20
) -> tuple[list[Notification], int | None]:
    """One page of the inbox older than `before_id`, and the `before_id` of the next page (None
    on the last). One query whatever the depth."""
    rows = inbox(user=user)
    if before_id is not None:
        rows = rows.filter(id__lt=before_id)
    limit = max(1, min(limit, MAX_PAGE))
    fetched = list(rows[: limit + 1])
    items = fetched[:limit]
    return items, (items[-1].pk if len(fetched) > limit else None)


def newer_than(*, user: User, after_id: int, limit: int = 50) -> list[Notification]:
    """What a reconnecting client missed: the newest `limit` notifications after `after_id`,
    oldest first. The newest, not the first after `after_id`: live.js toasts the last items and
    takes the last id as seen, so after more than `limit` missed it shows the latest ones (the
    rest wait in the inbox, and the unread count counts them all)."""
    rows = Notification.objects.filter(user=user, id__gt=after_id).order_by("-id")
    return list(rows[: max(1, min(limit, MAX_PAGE))])[::-1]


def newest_id(*, user: User) -> int | None:
    """The id of the user's newest notification, or None if they have none."""
    return inbox(user=user).values_list("id", flat=True).first()


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def email_preferences(*, user: User) -> EmailPreferences:
    """The user's preferences, or the defaults (unsaved) if they never changed them."""
    found = EmailPreferences.objects.filter(user=user).first()
    return found if found is not None else EmailPreferences(user=user)


def preferences_version(*, preferences: EmailPreferences) -> str:
    """The preferences' version, for a page that edits them: what they are, one digit a topic
    ("1101"), so that a save from a page that showed other values is told apart."""
    return "".join("1" if getattr(preferences, topic) else "0" for topic in EmailPreferences.Topic)


def wants_email_about(*, user: User, topic: str) -> bool:
    return bool(getattr(email_preferences(user=user), topic, False))


def wants_email_for(*, user: User, kind: str) -> bool:
    topic = TOPIC_OF_KIND.get(kind)
    return topic is not None and wants_email_about(user=user, topic=topic)
