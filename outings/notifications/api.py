"""The inbox and email preferences in the REST API: a ninja Router that outings/api mounts.
Thin: parse, call one service or selector, serialise. Texts are rendered in the request's
language (LocaleMiddleware) and times are ISO 8601 in UTC."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from outings.api.auth import AUTHENTICATED, caller
from outings.api.caching import set_no_store
from outings.api.errors import responses
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id
from outings.api.schemas import MAX_ID, Bool, Input, NoBody, OptionalInt
from outings.notifications import selectors, services, texts
from outings.notifications.models import EmailPreferences, Notification

router = Router(tags=["notifications"], auth=AUTHENTICATED)

# The API's path id (read as written, outings.api.numbers); until session 23 its own lax `int`.
NotificationId = Id


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read: bool

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        return texts.render(obj.kind, obj.data).title

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return texts.render(obj.kind, obj.data).body

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.read_at is not None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class ReadAllIn(Input):
    up_to: OptionalInt = Field(
        None,
        ge=1,
        le=MAX_ID,
        description=(
            "The newest notification the client showed: that one and older ones are marked, "
            "one that arrived since stays unread. Without it, every one."
        ),
    )


# Outings has no messages between guests and hosts yet: nothing is mailed under this topic. v1
# keeps the field it offered, and what a caller sets is stored for when messages come.
NO_MESSAGES_YET = "No mail has this topic yet: there are no messages between guests and hosts."


class EmailPreferencesSchema(Schema):
    bookings: bool
    messages: bool = Field(description=NO_MESSAGES_YET)
    listings: bool
    waitlist: bool


class EmailPreferencesPatch(Input):
    # JSON booleans only (Bool): lax `bool` took "off", "no", 0 or "1" for one.
    bookings: Bool | None = None
    messages: Bool | None = Field(default=None, description=NO_MESSAGES_YET)
    listings: Bool | None = None
    waitlist: Bool | None = None


@router.get("/notifications", response={200: Paged[NotificationOut], **responses(400, 401, 429)})
def list_notifications(
    request: HttpRequest, response: HttpResponse, page: Query[PageParams]
) -> Page[Notification]:
    """The caller's notifications, newest first."""
    set_no_store(response)
    user = caller(request)
    return paginate(
        selectors.inbox(user=user),
        ordering=("-id",),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"notifications:{user.pk}",
    )


@router.get("/notifications/unread-count", response={200: UnreadOut, **responses(401, 429)})
def unread_count(request: HttpRequest, response: HttpResponse) -> UnreadOut:
    """How many of the caller's notifications are unread (the bell)."""
    set_no_store(response)
    return UnreadOut(unread=selectors.unread_count(user=caller(request)))


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **responses(400, 401, 403, 404, 429)},
)
def mark_read(
    request: HttpRequest, notification_id: NotificationId, payload: NoBody = None
) -> Notification:
    """Mark one notification read (idempotent). Another user's notification is a 404."""
    return services.mark_read(user=caller(request), notification_id=notification_id)


@router.post("/notifications/read-all", response={200: MarkedOut, **responses(400, 401, 403, 429)})
def mark_all_read(request: HttpRequest, payload: ReadAllIn | None = None) -> MarkedOut:
    """Mark the caller's notifications read, up to `up_to` (the newest the client showed) or
    every one; returns how many were unread."""
    up_to = payload.up_to if payload is not None else None
    return MarkedOut(marked=services.mark_all_read(user=caller(request), up_to_id=up_to))


@router.get(
    "/notifications/email-preferences",
    response={200: EmailPreferencesSchema, **responses(401, 429)},
)
def get_email_preferences(request: HttpRequest, response: HttpResponse) -> EmailPreferences:
    """Which notification topics the caller also receives by email."""
    set_no_store(response)
    return selectors.email_preferences(user=caller(request))


@router.patch(
    "/notifications/email-preferences",
    response={200: EmailPreferencesSchema, **responses(400, 401, 403, 429)},
)
def update_email_preferences(
    request: HttpRequest, payload: EmailPreferencesPatch
) -> EmailPreferences:
    """Turn topics on or off; topics left out keep their value."""
    topics = {name: value for name, value in payload.dict().items() if value is not None}
    return services.update_email_preferences(user=caller(request), topics=topics)
