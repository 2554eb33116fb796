"""What the API reads and writes. Input schemas forbid unknown fields."""

import enum
import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    model_validator,
)

from outings.accounts.services import valid_languages, valid_time_zones
from outings.api.numbers import OptionalParamInt
from outings.api.pagination import PageParams
from outings.catalog.models import Category, Listing

MAX_ID = 2**63 - 1  # a bigint: larger path ids are a 400, not a database error
MAX_PRICE = 100_000_000  # minor units; far above any real price, keeps the integers small

# Enums built from the rules the services apply, so the OpenAPI document names every value a
# client may send (and the fuzzer generates only those as valid data).
TimeZone = enum.StrEnum(  # type: ignore[misc]
    "TimeZone", [(zone, zone) for zone in sorted(valid_time_zones())]
)
Language = enum.StrEnum(  # type: ignore[misc]
    "Language", [(code or "browser", code) for code in sorted(valid_languages())]
)


def _a_json_number(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise ValueError("Input should be a number")
    return value


# Numbers and booleans in a JSON body must be JSON numbers and booleans: pydantic's lax mode
# takes `true` as 1 and "2" as 2, where a wrong type is a 400 (docs/api.md, "Errors"). 2.0 stays
# an integer, as JSON Schema says. Query parameters and paths arrive as text: outings.api.numbers.
Int = Annotated[int, BeforeValidator(_a_json_number)]
# Not `Int | None`: pydantic would then write a Field's bounds into the schema unconverted.
OptionalInt = Annotated[int | None, BeforeValidator(_a_json_number)]
# The same for a number with a fraction: lax `float` took `true` for 1.0 and "43.6" for 43.6.
Float = Annotated[float, BeforeValidator(_a_json_number)]
Bool = Annotated[bool, Strict()]


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _a_json_date(value: Any) -> Any:
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise ValueError("Input should be a date, YYYY-MM-DD")
    return value


# A day in a JSON body is written "YYYY-MM-DD" (JSON Schema's `date`): lax `date` also took a
# Unix time or a date-time that falls on a UTC midnight, and refused every other one.
Day = Annotated[date, BeforeValidator(_a_json_date)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja's Schema reads attributes off any object (it wraps the value in a DjangoGetter
        # before this runs), so without this an input whose fields are all optional would take
        # `true` or `[]` for an empty object.
        value = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return data


class EmptyIn(Input):
    """Nothing: the body of a POST that takes none may be left out, `{}` or `null`; a field in
    it is an unknown one (400 naming it) and a body that is not JSON a 415, as in every body."""


# What a POST that acts on its path alone reads (`payload: NoBody = None`): it ignored any body,
# so a client never learnt that a field it sent was not read.
NoBody = EmptyIn | None


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and a lone surrogate (legal in JSON's \u escapes) cannot
    # be encoded at all: refuse both here rather than fail in the database.
    if "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must not contain NUL characters or unpaired surrogates")
    return value


# Text a client sends. The validator enforces the rule; the pattern documents its NUL half (a
# pattern over surrogates is not portable across regex engines, and JSON clients rarely send any).
Text = Annotated[
    str,
    AfterValidator(_storable),
    Field(json_schema_extra={"pattern": r"^[^\u0000]*$"}),
]

# Text with a bound of its own, checked before Text's validator: after it pydantic no longer
# knows a string and names an over-long value by its "items", not its characters.
CategoryText = Annotated[str, Field(max_length=50), *Text.__metadata__]
CityText = Annotated[str, Field(max_length=120), *Text.__metadata__]
# A person's name is one line: no control character, line or paragraph separator, or
# bidirectional override (accounts.services.NOT_IN_A_NAME, which the service enforces with its
# own message). The pattern documents it, as Text's documents its NUL half, so that a client
# (and schemathesis' positive cases) knows such a name is refused.
NAME_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
PersonName = Annotated[
    str,
    Field(max_length=150),
    AfterValidator(_storable),
    Field(json_schema_extra={"pattern": NAME_PATTERN}),
]


def _local(value: time) -> time:
    # Times of day in schedules are wall-clock times in the listing's zone: an offset would be
    # compared with plain times and stored nowhere.
    if value.tzinfo is not None:
        raise ValueError("must be a local time of day, without a UTC offset")
    return value


def _local_time_schema(schema: dict[str, Any]) -> None:
    # JSON Schema's "time" format is RFC 3339's full-time, whose offset is required: documented
    # instead by the pattern of what the validator and the schedule rules take.
    schema.pop("format", None)
    schema["pattern"] = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"


# A time of day in the listing's own zone, in whole minutes: "10:00".
LocalTime = Annotated[time, AfterValidator(_local), Field(json_schema_extra=_local_time_schema)]


# --- Catalogue ------------------------------------------------------------------------------


class CategoryOut(Schema):
    slug: str
    name: str

    @staticmethod
    def resolve_name(obj: Category) -> str:
        return obj.name


class HostOut(Schema):
    display_name: str


class ListingOut(Schema):
    id: int
    title: str
    summary: str
    kind: Literal["experience", "place"]
    category: str = Field(description="The category's slug.")
    city: str
    country_code: str
    price_amount: int = Field(description="Price per person in minor units (cents).")
    currency: str
    duration_minutes: int | None
    image_url: str
    latitude: float | None
    longitude: float | None
    host: HostOut
    attribution: str = Field(description="The credit line the row's licence asks for.")
    license_url: str = Field(description="Where the row's licence is published; empty for none.")

    @staticmethod
    def resolve_category(obj: Listing) -> str:
        return obj.category.slug


class ListingDetailOut(ListingOut):
    description: str
    address: str
    time_zone: str
    tags: list[str]
    languages: list[str]
    content_language: str
    source_url: str
    license: str
    version: int
    updated_at: datetime


# The columns the two listing schemas (and the listing ETags) read, for `QuerySet.only()`: a
# listing row has about 45 columns, among them the search vector and the rendered description,
# and every column the ORM selects costs compiling, sending and converting on each request.
# Extend these with the schemas: a field read from a column left out here costs one query per
# row, which the query-count tests catch.
LISTING_COLUMNS = (
    "id",
    "title",
    "summary",
    "kind",
    "category__slug",
    "city",
    "country_code",
    "price_amount",
    "currency",
    "duration_minutes",
    "image_url",
    "latitude",
    "longitude",
    "host__display_name",
    "license",  # attribution, license_url
    "source_url",  # attribution
    "version",  # ETag
    "updated_at",  # ETag
)
LISTING_DETAIL_COLUMNS = (
    *LISTING_COLUMNS,
    "description",
    "address",
    "time_zone",
    "tags",
    "languages",
    "content_language",
)


class ListingFilters(PageParams):
    category: CategoryText | None = Field(None, description="A category slug.")
    city: CityText | None = Field(None, description="Exact city, any case.")
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code."
    )
    price_min: OptionalParamInt = Field(None, ge=0, le=MAX_PRICE, description="Minor units.")
    price_max: OptionalParamInt = Field(
        None, ge=0, le=MAX_PRICE, description="Minor units. Below price_min, nothing matches."
    )


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_left: int


# --- The caller -----------------------------------------------------------------------------


class MeOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    preferred_language: str = Field(description="Empty: follow the browser.")
    time_zone: str
    is_host: bool
    is_staff: bool

    @staticmethod
    def resolve_is_host(obj: object) -> bool:
        return hasattr(obj, "host_profile")


class MePatch(Input):
    """Absent or null fields stay as they are."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    preferred_language: Language | None = None
    time_zone: TimeZone | None = None


# A token's name without its surrounding spaces, as create_api_token keeps it, before its bounds:
# a name of 100 characters with a space around it was refused here and taken by the page.
TokenName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), *Text.__metadata__
]


class TokenIn(Input):
    # One line, as a person's name (create_api_token enforces it with its message).
    name: TokenName = Field(
        description="What the token is for: one line, without control characters; surrounding "
        "spaces are not kept, nor counted.",
        json_schema_extra={"pattern": NAME_PATTERN},
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(Schema):
    token: TokenOut
    secret: str = Field(description="The token itself. Shown this once; store it safely.")
