"""U.S. National Park Service things to do and tours (public domain), in English.

Every row is imported. Coordinates are the park's (its visitor centre), not the activity's.
The data has no dates, so the weekly schedule is generated; `duration_min_minutes` is kept when
present (for small bare numbers the data's own `duration_parse` guessed the unit). The park
entrance fee per person, where the data has one, is taken as the price. The data has no URL per
row: the park's home page on nps.gov (built from its park code) is the source URL.
"""

from outings.catalog.importers import categories, generate
from outings.catalog.importers.core import (
    HostSpec,
    ListingData,
    Row,
    ScheduleSpec,
    SkipRow,
    clean_line,
    clean_text,
    natural_id,
    parse_coordinates,
    parse_minutes,
    parse_money,
    parse_source_id,
    summary_of,
    url_or_blank,
)
from outings.catalog.importers.zones import country_zones, zone_for
from outings.catalog.models import License, Listing

SOURCE = "nps"
FILENAME = "nps_things_to_do.csv.gz"
COLUMNS = (
    "id", "park_code", "park_name", "park_city", "title", "record_type", "duration_min_minutes",
    "park_entrance_fee_per_person_usd", "description", "image_url", "latitude", "longitude",
)  # fmt: skip
CURRENCY = "USD"
# Parks whose rows carry no coordinates in the data, by park code.
PARK_ZONES = {
    **dict.fromkeys(
        [
            "bawa",
            "cahi",
            "cawo",
            "cibs",
            "fodu",
            "fofo",
            "foth",
            "frde",
            "haha",
            "kowa",
            "linc",
            "lyba",
            "mamc",
            "paav",
            "this",
            "thje",
            "waro",
        ],
        "America/New_York",
    ),
    "beol": "America/Denver",
    "rabr": "America/Denver",
    "kala": "Pacific/Honolulu",
}
NO_VALUE = {"", "na", "n/a", "none"}


class NpsParser:
    def parse(self, row: Row) -> ListingData:
        row_id = parse_source_id(row["id"])  # the row number: not the listing's identity
        title = clean_line(row["title"], 200)
        if not title:
            raise SkipRow("no title")
        park_code = row["park_code"].strip().lower()
        # Within a park a title names one activity of each kind ("Oldfarm Video Tour" is a Tour
        # and a Thing To Do).
        park = park_code or clean_line(row["park_name"], 120)
        source_id = natural_id(park_code, park, row["record_type"].strip(), title)
        description = clean_text(row["description"])
        latitude, longitude = parse_coordinates(row["latitude"], row["longitude"])
        zone, zone_note, latitude, longitude = zone_for(
            latitude,
            longitude,
            country="US",
            fallback=PARK_ZONES.get(park_code, ""),
            expected=country_zones("US"),
        )
        generated = ["host", "summary", "languages", "capacity", "time_zone", "weekdays"]
        generated.append("start_times")

        duration = parse_minutes(row["duration_min_minutes"])
        if duration is None:
            duration = generate.duration(SOURCE, source_id)
            generated.append("duration_minutes")

        weekdays, start_times = generate.one_group_at_a_time(
            generate.weekdays(SOURCE, source_id),
            generate.start_times(SOURCE, source_id),
            minutes=duration,
        )

        fee = row["park_entrance_fee_per_person_usd"].strip()
        if fee.lower() in NO_VALUE:
            price = generate.price(SOURCE, source_id, CURRENCY)
            generated.append("price_amount")
        else:
            price = parse_money(fee, currency=CURRENCY)

        park_name = clean_line(row["park_name"], 120) or park_code.upper()
        record_type = clean_line(row["record_type"], 60)
        return ListingData(
            source=SOURCE,
            source_id=source_id,
            legacy_id=row_id,
            ref=row_id,
            title=title,
            summary=summary_of(description),
            description=description,
            category=categories.nps_category(record_type, title),
            kind=Listing.Kind.EXPERIENCE,
            license=License.NPS,
            host=HostSpec(
                key=f"{SOURCE}:{park_code or park_name.casefold()}",
                display_name=park_name,
                city=clean_line(row["park_city"], 120),
                languages=("en",),
            ),
            content_language="en",
            tags=(record_type,) if record_type else (),
            languages=generate.languages(SOURCE, source_id, "en", "es"),
            duration_minutes=duration,
            price_amount=price,
            currency=CURRENCY,
            address=park_name,
            city=clean_line(row["park_city"], 120),
            country_code="US",
            latitude=latitude,
            longitude=longitude,
            time_zone=zone,
            image_url=url_or_blank(row["image_url"]),
            source_url=f"https://www.nps.gov/{park_code}/index.htm" if park_code else "",
            schedule=ScheduleSpec(
                weekdays=weekdays,
                start_times=start_times,
                capacity=generate.capacity(SOURCE, source_id),
            ),
            generated_fields=tuple(generated),
            notes=(zone_note,) if zone_note else (),
        )
