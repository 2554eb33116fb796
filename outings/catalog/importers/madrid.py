"""Madrid's cultural agenda (Ayuntamiento de Madrid open data), in Spanish.

Only rows with a description are imported (the others are skipped as "no description"), and of
repeated (title, start) pairs only the first. Dates are naive local times. The agenda says "all
day" with 00:00 and "until the end of the day" with 23:59; `time_text` and `recurrence_days` say
when a long window (an exhibition, a term-long course) actually meets.
"""

from zoneinfo import ZoneInfo

from outings.catalog.countries import country_code
from outings.catalog.importers import categories, generate
from outings.catalog.importers.core import (
    EVENT_COLUMNS,
    HostSpec,
    ListingData,
    Row,
    ScheduleSpec,
    SkipRow,
    clean_line,
    clean_text,
    join_nonempty,
    parse_coordinates,
    parse_currency,
    parse_flag,
    parse_language,
    parse_money,
    parse_source_id,
    summary_of,
    unique,
    url_or_blank,
)
from outings.catalog.importers.dates import (
    START_OF_DAY,
    parse_clock,
    parse_local,
    parse_weekdays,
    sitting_minutes,
)
from outings.catalog.importers.zones import event_zone
from outings.catalog.models import License, Listing

SOURCE = "madrid"
FILENAME = "madrid_agenda_events.csv.gz"
COLUMNS = EVENT_COLUMNS
CURRENCY = "EUR"


class MadridParser:
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def parse(self, row: Row) -> ListingData:
        source_id = parse_source_id(row["source_event_id"].strip() or row["id"])
        title = clean_line(row["title"], 200)
        if not title:
            raise SkipRow("no title")
        description = clean_text(row["description"])
        if not description:
            raise SkipRow("no description", quiet=True)
        latitude, longitude = parse_coordinates(row["latitude"], row["longitude"])
        city = clean_line(row["city"], 120) or "Madrid"
        country = country_code(row["country_code"]) or "ES"
        fallback = "Europe/Madrid" if city.casefold() == "madrid" else ""
        zone, zone_note, latitude, longitude = event_zone(
            latitude, longitude, country=country, city_zone=fallback
        )
        start = parse_local(row["start"], ZoneInfo(zone), "start")
        if start is None:
            raise SkipRow("no start date")
        end = parse_local(row["end"], ZoneInfo(zone), "end")
        key = (title.casefold(), row["start"].strip())
        if key in self.seen:
            raise SkipRow("repeated title and start", f"same as {self.seen[key]}")
        generated = ["host", "summary", "languages", "capacity", "time_zone"]

        at = parse_clock(row["time_text"])
        if at is None and start.time() != START_OF_DAY:
            at = start.time().replace(second=0, microsecond=0, tzinfo=None)
        duration = sitting_minutes(start, end) if start.time() != START_OF_DAY else None
        if duration is None:
            duration = generate.duration(SOURCE, source_id)
            generated.append("duration_minutes")
        if at is None:
            at = generate.start_times(SOURCE, source_id, count=1)[0]
            generated.append("start_times")
        weekdays = parse_weekdays(row["recurrence_days"]) or (start.weekday(),)
        last_date = end.date() if end is not None and end.date() > start.date() else None
        if last_date is None and len(weekdays) == 1:
            generated.append("recurrence")
        schedule = ScheduleSpec(
            weekdays=weekdays,
            start_times=(at,),
            capacity=generate.capacity(SOURCE, source_id),
            first_date=start.date(),
            last_date=last_date,
        )

        currency = parse_currency(row["currency"], default=CURRENCY)
        if parse_flag(row["is_free"], "is_free"):
            price = 0
        elif row["price_amount"].strip():
            price = parse_money(row["price_amount"], currency=currency)
        else:
            price = generate.price(SOURCE, source_id, currency)
            generated.append("price_amount")

        venue = clean_line(row["venue_name"], 120)
        languages = generate.languages(SOURCE, source_id, "es", "en")
        if venue:
            host = HostSpec(
                key=f"{SOURCE}:{venue.casefold()}",
                display_name=venue,
                city=city,
                languages=languages[:1],
            )
        else:
            host = generate.pooled_host(
                SOURCE, source_id, label="Anfitrión de Madrid", city=city, languages=languages[:1]
            )
        self.seen[key] = row["id"]
        audience = [part.rsplit("/", 1)[-1].strip() for part in row["audience"].split(",")]
        return ListingData(
            source=SOURCE,
            source_id=source_id,
            ref=row["id"],
            title=title,
            summary=summary_of(description),
            description=description,
            category=categories.madrid_category(row["category"], f"{title} {description[:200]}"),
            kind=Listing.Kind.EXPERIENCE,
            license=License.MADRID,
            host=host,
            content_language=parse_language(row["language"], default="es"),
            tags=tuple(tag[:60] for tag in unique(audience)),
            languages=languages,
            duration_minutes=duration,
            price_amount=price,
            currency=currency,
            address=join_nonempty(venue, row["address"], row["district"], max_length=300),
            city=city,
            country_code=country,
            latitude=latitude,
            longitude=longitude,
            time_zone=zone,
            image_url=url_or_blank(row["image_url"]),
            source_url=url_or_blank(row["url"]),
            schedule=schedule,
            generated_fields=tuple(generated),
            notes=(zone_note,) if zone_note else (),
        )
