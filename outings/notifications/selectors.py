"""Reads of the inbox and of email preferences; every one is scoped to the user who asks."""

from typing import NamedTuple

from django.db import connection
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


class UnreadCount(NamedTuple):
    """An unread count as the bell shows it, and the number it was counted at: of two counts of
    one user, the one with the higher `change` saw every change the other saw."""

    unread: int
    change: int


# notifications.0013: the number from the sequence notifications_unread_change, then the count in
# a statement (and a snapshot) of its own after it.
_UNREAD = "SELECT change, unread FROM notifications_unread(%(user)s)"
_BELL = f"""
    SELECT counted.change, counted.unread,
      (SELECT max(id) FROM {Notification._meta.db_table} WHERE user_id = %(user)s)
    FROM notifications_unread(%(user)s) AS counted
"""  # noqa: S608 - table name from the model, values as parameters


def unread_counted(*, user: User) -> UnreadCount:
    """`user`'s unread count, numbered for the bell (live.js keeps the highest-numbered count it
    received). Counts of one user reach a page from different processes (each change's count is
    taken by the process that made it, after it committed) and can arrive in another order than
    they were taken: the number puts them back in order. One statement, as the count alone was:
    the database function takes the number first and counts after it, so the count sees every
    change committed before its number was taken. A change's own count is taken after it
    committed (an on-commit callback): taken inside its transaction, the count would be numbered
    before the change commits, and a count taken elsewhere in between higher, without it."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD, {"user": user.pk})
        change, count = cursor.fetchone()
    return UnreadCount(unread=int(count), change=int(change))


def bell(*, user: User) -> tuple[UnreadCount, int]:
    """What a page's bell starts with: `user`'s unread count, numbered (unread_counted), and the
    id of their newest notification (0 if none), which live.js counts as shown. One statement."""
    with connection.cursor() as cursor:
        cursor.execute(_BELL, {"user": user.pk})
        change, count, latest = cursor.fetchone()
    return UnreadCount(unread=int(count), change=int(change)), int(latest or 0)


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
