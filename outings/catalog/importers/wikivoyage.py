"""Wikivoyage listings in German, French and Russian (CC BY-SA 3.0), 2016 dumps.

Only `see` and `do` rows are imported, as lighter listings: places to visit, with no schedule,
no slots and no price. Names lose their wiki markup; a name repeated inside one article is kept
once. The nearest town (GeoNames, CC BY 4.0) becomes the city; the article, a tag.
"""

import re

from outings.catalog.countries import country_code
from outings.catalog.importers import categories
from outings.catalog.importers.core import (
    HostSpec,
    ListingData,
    Row,
    SkipRow,
    clean_line,
    natural_id,
    parse_coordinates,
    parse_source_id,
    url_or_blank,
)
from outings.catalog.importers.zones import zone_at, zone_for
from outings.catalog.models import License, Listing

SOURCE = "wikivoyage"
FILENAME = "wikivoyage_listings_de_fr_ru.csv.gz"
COLUMNS = (
    "id", "lang", "article", "type", "name", "latitude", "longitude", "nearest_place",
    "country_code", "source_url",
)  # fmt: skip
TYPES = ("see", "do")
LANGUAGES = ("de", "fr", "ru")

_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")  # [[target|label]] or [[target]]
_TEMPLATE = re.compile(r"\{\{[^}]*\}\}")
_EXTERNAL = re.compile(r"\[https?://\S+\s*([^\]]*)\]")  # [http://example.org label]
_TAG = re.compile(r"<[^>]*>")
_EMPHASIS = re.compile(r"'{2,}")


def strip_wiki_markup(name: str) -> str:
    """'''Palais des Doges''' → Palais des Doges; [[Köln|Cologne]] → Cologne."""
    name = _TEMPLATE.sub("", name)
    name = _LINK.sub(r"\1", name)
    name = _EXTERNAL.sub(r"\1", name)
    name = _TAG.sub("", name)
    name = _EMPHASIS.sub("", name)
    return name.replace("[[", "").replace("]]", "")


class WikivoyageParser:
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str], str] = {}

    def parse(self, row: Row) -> ListingData:
        row_id = parse_source_id(row["id"])  # the row number: not the listing's identity
        listing_type = row["type"].strip().lower()
        if listing_type not in TYPES:
            raise SkipRow(f"type {listing_type or '?'!r} not imported", quiet=True)
        title = clean_line(strip_wiki_markup(row["name"]), 200).strip(" '\"")
        if not title:
            raise SkipRow("no title")
        language = row["lang"].strip().lower()
        if language not in LANGUAGES:
            raise SkipRow("unknown language", repr(row["lang"]))
        article = clean_line(row["article"], 120)
        key = (language, article.casefold(), title.casefold())
        if key in self.seen:
            raise SkipRow(
                "repeated name in article", f"{title!r} in {article!r}, see {self.seen[key]}"
            )
        latitude, longitude = parse_coordinates(row["latitude"], row["longitude"])
        if latitude is not None and longitude is not None and not zone_at(latitude, longitude):
            # The nearest town and country are GeoNames' answer for this point: at sea (a sign
            # flipped in the source), they name a place the listing is not in.
            raise SkipRow("coordinates at sea", f"{latitude}, {longitude}")
        country = country_code(row["country_code"])
        zone, zone_note, latitude, longitude = zone_for(latitude, longitude, country=country)
        self.seen[key] = row_id
        return ListingData(
            source=SOURCE,
            source_id=natural_id(language, article, title),
            legacy_id=row_id,
            ref=row_id,
            title=title,
            category=categories.wikivoyage_category(listing_type, title),
            kind=Listing.Kind.PLACE,
            license=License.WIKIVOYAGE,
            host=HostSpec(
                key=f"{SOURCE}:{language}:{article.casefold()}",
                display_name=article or "Wikivoyage",
                city=article,
                languages=(language,),
            ),
            content_language=language,
            tags=(article[:60],) if article else (),
            price_amount=0,
            city=clean_line(row["nearest_place"], 120),
            country_code=country,
            latitude=latitude,
            longitude=longitude,
            time_zone=zone,
            source_url=url_or_blank(row["source_url"]),
            generated_fields=("host", "price_amount", "time_zone"),
            notes=(zone_note,) if zone_note else (),
        )
