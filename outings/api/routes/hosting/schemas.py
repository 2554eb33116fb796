"""What the host API reads and writes. Input schemas forbid unknown fields (Input)."""

import enum
from datetime import date, datetime, time
from typing import Any, Literal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from ninja import Field, Schema

from outings.api.pagination import Paged, cursor_after
from outings.api.schemas import (
    MAX_PRICE,
    Bool,
    Day,
    Float,
    Input,
    Int,
    LocalTime,
    OptionalInt,
    Text,
)
from outings.catalog.models import MAX_SEATS, Listing, ListingPhoto
from outings.catalog.photos.selectors import view_of
from outings.catalog.services import CURRENCIES, LIMITS, MAX_CUTOFF_HOURS, ListingData
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import MAX_CAPACITY, MAX_START_TIMES, ScheduleData

Currency = enum.StrEnum("Currency", [(code, code) for code in CURRENCIES])  # type: ignore[misc]
Policy = Literal["flexible", "moderate", "strict"]


class ListingIn(Input):
    """Every editable field of a listing (a full replacement on update)."""

    title: Text = Field(min_length=1, max_length=LIMITS["title"])
    category: str = Field(
        pattern=r"^[a-z0-9_-]{1,50}$", description="A category slug (GET /categories)."
    )
    summary: Text = Field("", max_length=LIMITS["summary"])
    description: Text = Field(
        "", max_length=LIMITS["description"], description="Markdown; rendered and sanitised."
    )
    tags: list[Text] = Field(default_factory=list, max_length=10)
    languages: list[str] = Field(
        default_factory=lambda: ["en"], min_length=1, max_length=10, description="ISO 639-1."
    )
    content_language: str = Field("en", pattern=r"^[a-z]{2}$")
    duration_minutes: Int = Field(ge=10, le=7 * 24 * 60)
    price_amount: Int = Field(ge=0, le=MAX_PRICE, description="Per person, in minor units.")
    currency: Currency
    min_group_size: Int = Field(
        1, ge=1, le=MAX_SEATS, description="At most the seats one booking takes."
    )
    max_group_size: Int = Field(10, ge=1, le=500)
    address: Text = Field(min_length=1, max_length=LIMITS["address"])
    city: Text = Field(min_length=1, max_length=LIMITS["city"])
    country_code: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2.")
    latitude: Float = Field(ge=-90, le=90)
    longitude: Float = Field(ge=-180, le=180)
    meeting_point: Text = Field("", max_length=LIMITS["meeting_point"])
    cancellation_policy: Policy = "flexible"
    included: Text = Field("", max_length=LIMITS["included"])
    requirements: Text = Field("", max_length=LIMITS["requirements"])
    # Absent or null: unchanged (a new listing gets the default), so that a client written
    # before these fields existed never resets them with a full replacement.
    instant_booking: Bool | None = Field(
        None, description="Default true. False: every booking is a request the host answers."
    )
    min_guests: OptionalInt = Field(
        None,
        ge=0,
        le=MAX_CAPACITY,
        description="Guests a date needs to take place (default 0: no minimum). Below it at "
        "the cut-off, the date is cancelled and everyone refunded.",
    )
    min_guests_cutoff_hours: OptionalInt = Field(
        None,
        ge=1,
        le=MAX_CUTOFF_HOURS,
        description="How many hours before the start the minimum is decided (default 48).",
    )

    def to_data(self) -> ListingData:
        values = self.model_dump(exclude={"version"})
        values["currency"] = str(values["currency"])
        return ListingData(**values)


STALE_IS_409 = "The version this edit is based on (or send If-Match). A stale one is a 409."


def version_field(description: str = STALE_IS_409) -> Any:
    """The `version` of an edit's body (a listing's, a schedule's, a photo's, the photo order's)."""
    return Field(None, ge=1, le=2**31 - 1, description=description)


class ListingUpdateIn(ListingIn):
    version: OptionalInt = version_field()


class HostListingOut(Schema):
    id: int
    status: str
    version: int
    title: str
    category: str
    summary: str
    description: str
    description_html: str
    tags: list[str]
    languages: list[str]
    content_language: str
    duration_minutes: int | None
    price_amount: int
    currency: str
    min_group_size: int
    max_group_size: int
    address: str
    city: str
    country_code: str
    latitude: float | None
    longitude: float | None
    time_zone: str
    meeting_point: str
    cancellation_policy: str
    included: str
    requirements: str
    instant_booking: bool
    min_guests: int
    min_guests_cutoff_hours: int
    rejection_reason: str
    updated_at: datetime

    @staticmethod
    def resolve_category(obj: Listing) -> str:
        return obj.category.slug


class RenditionOut(Schema):
    webp: str
    jpeg: str
    width: int
    height: int


class PhotoOut(Schema):
    id: int
    alt_text: str
    version: int = Field(
        description="Moves with each change of the description: send it back (or If-Match) "
        "with the next one."
    )
    position: int
    status: str = Field(description="pending (renditions being made), ready or failed.")
    width: int
    height: int
    renditions: dict[str, RenditionOut] = Field(description="thumb, card, full once ready.")

    @staticmethod
    def resolve_renditions(obj: ListingPhoto) -> dict[str, Any]:
        view = view_of(obj)
        sources = {"thumb": view.thumb, "card": view.card, "full": view.full}
        return {name: source for name, source in sources.items() if source is not None}


class PhotoPage(Paged[PhotoOut]):
    order_version: int = Field(
        description="The version of the photos' order: send it back (or If-Match) with a "
        "reorder. Moves whenever photos change places; a cursor read before that is refused."
    )


class PhotoPatch(Input):
    alt_text: Text = Field(max_length=250)
    version: OptionalInt = version_field()


class PhotoOrderIn(Input):
    photo_ids: list[Int] = Field(max_length=100, description="Every photo id, in the new order.")
    version: OptionalInt = version_field(
        "The order_version this reorder is based on (or send If-Match). A stale one is a 409."
    )


class PhotoOrderOut(Schema):
    photo_ids: list[int]
    version: int


class ScheduleIn(Input):
    kind: Literal["weekly", "once"] = "weekly"
    weekdays: list[Int] = Field(
        default_factory=list, max_length=7, description="0 is Monday; ignored for 'once'."
    )
    start_times: list[LocalTime] = Field(min_length=1, max_length=MAX_START_TIMES)
    valid_from: Day = Field(description="The first day, or the date of a one-off.")
    valid_until: Day | None = None
    capacity: Int = Field(ge=1, le=MAX_CAPACITY)

    def to_data(self) -> ScheduleData:
        return ScheduleData(
            kind=self.kind,
            weekdays=self.weekdays,
            start_times=self.start_times,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            capacity=self.capacity,
        )


class ScheduleUpdateIn(ScheduleIn):
    version: OptionalInt = version_field()


class ExceptionIn(Input):
    day: Day
    start_time: LocalTime | None = Field(None, description="Empty: every start of the day.")
    action: Literal["cancel", "move"]
    new_time: LocalTime | None = None


class ExceptionOut(Schema):
    id: int
    day: date
    start_time: time | None
    action: str
    new_time: time | None


# A rule's exceptions as GET …/schedules/{id}/exceptions pages them, and as a rule embeds the
# first of them: by day, then id.
EXCEPTION_ORDER = ("day", "id")


def exceptions_namespace(schedule_id: int) -> str:
    return f"schedule-exceptions:{schedule_id}"


def _embedded() -> int:
    """How many exceptions a rule embeds: as many as the longest page a client may ask for."""
    return int(settings.API_MAX_PAGE_SIZE)


def with_first_exceptions(schedules: QuerySet[Schedule]) -> QuerySet[Schedule]:
    """`schedules` with the first exceptions each embeds (and one more, to tell if there are
    more), in one query for all of them, however many exceptions each has."""
    first = ScheduleException.objects.order_by(*EXCEPTION_ORDER)[: _embedded() + 1]
    return schedules.prefetch_related(Prefetch("exceptions", first, to_attr="first_exceptions"))


def _first_exceptions(schedule: Schedule) -> list[ScheduleException]:
    found: list[ScheduleException] | None = getattr(schedule, "first_exceptions", None)
    if found is None:  # one rule, as a write answers it: read here, once for both fields
        found = list(schedule.exceptions.order_by(*EXCEPTION_ORDER)[: _embedded() + 1])
        schedule.first_exceptions = found  # type: ignore[attr-defined]
    return found


class ScheduleOut(Schema):
    id: int
    version: int
    kind: str
    weekdays: list[int]
    start_times: list[time]
    valid_from: date
    valid_until: date | None
    capacity: int
    exceptions: list[ExceptionOut] = Field(
        description="The rule's exceptions by day (then id): all of them, or the first "
        "API_MAX_PAGE_SIZE (100) when `exceptions_next` says there are more."
    )
    exceptions_next: str | None = Field(
        description="Cursor of `GET …/schedules/{schedule_id}/exceptions` for the exceptions "
        "after those in `exceptions`; null when they are all."
    )

    @staticmethod
    def resolve_exceptions(obj: Schedule) -> list[ScheduleException]:
        return _first_exceptions(obj)[: _embedded()]

    @staticmethod
    def resolve_exceptions_next(obj: Schedule) -> str | None:
        found = _first_exceptions(obj)
        if len(found) <= _embedded():
            return None
        last = found[_embedded() - 1]
        return cursor_after(last, ordering=EXCEPTION_ORDER, namespace=exceptions_namespace(obj.pk))


class HostSlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_taken: int = Field(
        description="Seats of bookings still running, as the date's roster and the host's "
        "pages count them: a hold or request whose time ran out counts as free at once, before "
        "the sweep ends it (until session 24 it counted until the sweep)."
    )
    status: str
    version: int = Field(
        description="Moves with each change of the capacity (never with seats taken): send it "
        "back (or If-Match) with the next one."
    )
    own_capacity: bool = Field(
        description="The date's places were set on it (`PATCH`) to another number than its "
        "rule's: a new capacity of the rule leaves them as they are. false: they follow the "
        "rule (set back to the rule's number, the date follows it again), or the date has none."
    )

    @staticmethod
    def resolve_seats_taken(obj: Slot) -> int:
        return obj.seats_held


class CapacityIn(Input):
    capacity: Int = Field(ge=1, le=MAX_CAPACITY)
    version: OptionalInt = version_field()
