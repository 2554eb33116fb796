"""Toronto's festivals and events calendar (Open Government Licence - Toronto), in English.

Every row is imported. Start and end are ISO instants, some in UTC ("Z"), some with a local
offset: both are read as local time in the listing's zone. Recurring events appear as separate
rows (one per date): each becomes its own listing with a weekly rule on its own weekday and time.
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
from outings.catalog.importers.dates import parse_local, sitting_minutes
from outings.catalog.importers.zones import event_zone
from outings.catalog.models import License, Listing

SOURCE = "toronto"
FILENAME = "toronto_festivals_events.csv.gz"
COLUMNS = EVENT_COLUMNS
CURRENCY = "CAD"
# The city of Toronto and its former boroughs, as the data spells them.
TORONTO_CITIES = {"toronto", "scarborough", "etobicoke", "north york", "east york", "york"}


class TorontoParser:
    def parse(self, row: Row) -> ListingData:
        source_id = parse_source_id(row["source_event_id"].strip() or row["id"])
        title = clean_line(row["title"], 200)
        if not title:
            raise SkipRow("no title")
        description = clean_text(row["description"])
        latitude, longitude = parse_coordinates(row["latitude"], row["longitude"])
        city = clean_line(row["city"], 120)
        country = country_code(row["country_code"]) or "CA"
        fallback = "America/Toronto" if city.casefold() in TORONTO_CITIES else ""
        zone, zone_note, latitude, longitude = event_zone(
            latitude, longitude, country=country, city_zone=fallback
        )
        start = parse_local(row["start"], ZoneInfo(zone), "start")
        if start is None:
            raise SkipRow("no start date")
        end = parse_local(row["end"], ZoneInfo(zone), "end")
        generated = ["host", "summary", "languages", "capacity", "time_zone"]

        duration = sitting_minutes(start, end)
        if duration is None:
            duration = generate.duration(SOURCE, source_id)
            generated.append("duration_minutes")

        currency = parse_currency(row["currency"], default=CURRENCY)
        if parse_flag(row["is_free"], "is_free"):
            price = 0
        elif row["price_amount"].strip():
            price = parse_money(row["price_amount"], currency=currency)
        else:
            price = generate.price(SOURCE, source_id, currency)
            generated.append("price_amount")

        # One sitting repeats weekly in the demo; a window longer than a day keeps its end.
        last_date = end.date() if end is not None and end.date() > start.date() else None
        if last_date is None:
            generated.append("recurrence")
        schedule = ScheduleSpec(
            weekdays=(start.weekday(),),
            start_times=(start.time().replace(second=0, microsecond=0, tzinfo=None),),
            capacity=generate.capacity(SOURCE, source_id),
            first_date=start.date(),
            last_date=last_date,
        )
        venue = clean_line(row["venue_name"], 120)
        languages = generate.languages(SOURCE, source_id, "en", "fr")
        if venue:
            host = HostSpec(
                key=f"{SOURCE}:{venue.casefold()}",
                display_name=venue,
                city=city,
                languages=languages[:1],
            )
        else:
            host = generate.pooled_host(
                SOURCE, source_id, label="Toronto demo host", city=city, languages=languages[:1]
            )
        tags = unique(categories.toronto_tag(tag) for tag in row["tags"].split(";"))
        return ListingData(
            source=SOURCE,
            source_id=source_id,
            ref=row["id"],
            title=title,
            summary=summary_of(description),
            description=description,
            category=categories.toronto_category(row["category"], title),
            kind=Listing.Kind.EXPERIENCE,
            license=License.TORONTO,
            host=host,
            content_language=parse_language(row["language"], default="en"),
            tags=tuple(tag[:60] for tag in tags),
            languages=languages,
            duration_minutes=duration,
            price_amount=price,
            currency=currency,
            address=join_nonempty(venue, row["address"], row["postal_code"], max_length=300),
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
