"""manage.py import_listings: the real data in small slices; tiny files that break on purpose."""

import csv
import gzip
import io
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import DataError, connection
from django.test import Client
from django.urls import reverse

from outings.catalog.importers import categories, core, generate
from outings.catalog.importers.bulk import copy_insert
from outings.catalog.importers.core import ScheduleSpec, summary_of, unique
from outings.catalog.importers.dates import parse_local, shifted_window, sitting_minutes
from outings.catalog.importers.run import SOURCES, SourceReport, import_source
from outings.catalog.importers.wikivoyage import strip_wiki_markup
from outings.catalog.importers.zones import zone_for
from outings.catalog.models import CATEGORY_NAMES, License, Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.scheduling.models import Schedule, Slot
from outings.web.tests.test_admin import listing_form

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday
HORIZON = 28

EVENT_HEADER = [
    "id", "source", "snapshot", "source_event_id", "title", "description", "price_text",
    "price_amount", "currency", "is_free", "start", "end", "time_text", "recurrence_days",
    "excluded_days", "category", "tags", "audience", "venue_name", "address", "postal_code",
    "district", "city", "country_code", "latitude", "longitude", "url", "image_url", "language",
    "license",
]  # fmt: skip
WIKIVOYAGE_HEADER = [
    "id", "lang", "article", "type", "name", "latitude", "longitude", "nearest_place",
    "country_code", "country", "nearest_place_km", "source_url",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = HORIZON


def import_real(*args: str) -> tuple[dict[str, list[str]], str]:
    """Run the command on the bundled data; return its summary table by source, and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_listings", "--today", TODAY.isoformat(), *args, stdout=out, stderr=err)
    lines = out.getvalue().splitlines()[1:]
    table = {line.split()[0]: line.split()[1:] for line in lines if not line.startswith(" ")}
    return table, err.getvalue()


def toronto_row(**values: str) -> dict[str, str]:
    row = dict.fromkeys(EVENT_HEADER, "")
    row.update(
        id="tor-t1",
        source_event_id="evt1",
        title="Jazz on the Harbour",
        description="An evening of jazz by the lake. Bring a chair.",
        is_free="false",
        price_amount="18.50",
        currency="CAD",
        start="2025-06-04T23:00:00.000Z",  # Wednesday 19:00 in Toronto
        end="2025-06-05T01:00:00.000Z",
        category="Music",
        tags="Music;Celebrations;celebration",
        venue_name="Harbourfront Centre",
        address="235 Queens Quay W",
        city="Toronto",
        country_code="CA",
        latitude="43.6387",
        longitude="-79.3817",
        url="https://example.org/events/1",
        language="en",
    )
    row.update(values)
    return row


def write_csv_gz(path: Path, header: list[str], rows: list[dict[str, str] | bytes]) -> None:
    """A gzip CSV; a row given as bytes is written as it is (to break quoting or encoding)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(header)
    body = text.getvalue().encode()
    for row in rows:
        if isinstance(row, bytes):
            body += row
        else:
            line = io.StringIO()
            csv.DictWriter(line, header, lineterminator="\n").writerow(row)
            body += line.getvalue().encode()
    path.write_bytes(gzip.compress(body))


def import_file(tmp_path: Path, source: str, reasons: list[str] | None = None) -> SourceReport:
    def on_skip(name: str, ref: str, reason: str, detail: str) -> None:
        if reasons is not None:
            reasons.append(f"{ref}: {reason}")

    return import_source(SOURCES[source], data_dir=tmp_path, today=TODAY, on_skip=on_skip)


def test_it_imports_a_slice_of_each_real_source():
    table, _ = import_real("--limit", "20", "--quiet")

    # rows, created, updated, unchanged, skipped
    assert table["toronto"][:5] == ["20", "20", "0", "0", "0"]
    assert table["madrid"][:5] == ["20", "4", "0", "0", "16"]
    assert table["nps"][:5] == ["20", "20", "0", "0", "0"]
    assert table["wikivoyage"][:5] == ["20", "8", "0", "0", "12"]
    assert Listing.objects.filter(status=Listing.Status.PUBLISHED, is_demo=True).count() == 52
    # The import leaves planner statistics of what it wrote (ANALYZE counts small tables whole).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'catalog_listing'")
        assert cursor.fetchone() == (Listing.objects.count(),)


def test_it_keeps_the_facts_of_a_toronto_event():
    import_real("--source", "toronto", "--limit", "5")

    listing = Listing.objects.get(source="toronto", source_id="7deaa388d9cd")
    assert listing.title == "Wednesdays - Pro & Hilarious Stand-up Comedy | Late-Night laughs"
    assert listing.summary == "Midweek Laughs Unleashed!"
    assert listing.category.slug == "performances"
    assert (listing.price_amount, listing.currency) == (1500, "CAD")
    assert listing.duration_minutes == 110
    assert listing.tags == ["Comedy", "Live Performances", "Theatre"]
    assert listing.address == "BACKROOM COMEDY CLUB, 814 Bloor St W, M6G 1L9"
    assert listing.time_zone == "America/Toronto"
    assert listing.content_language == "en"
    assert listing.kind == Listing.Kind.EXPERIENCE
    assert listing.license == License.TORONTO
    assert listing.attribution == (
        "Contains information licensed under the Open Government Licence – Toronto."
    )
    assert listing.source_url.startswith("https://www.eventbrite.ca/e/10-pm-wednesdays-pro-")
    assert listing.image_url == ""
    assert listing.generated_fields == [
        "host", "summary", "languages", "capacity", "time_zone", "recurrence"
    ]  # fmt: skip
    assert len(listing.content_hash) == 32


def test_demo_hosts_are_shared_per_venue_and_cannot_log_in():
    import_real("--source", "toronto", "--limit", "2")

    first, second = Listing.objects.filter(source="toronto").order_by("source_id")
    assert first.host_id == second.host_id  # both at the Backroom Comedy Club
    host = first.host
    assert host.display_name == "BACKROOM COMEDY CLUB"
    assert host.is_demo is True
    assert host.user.username == generate.host_username("toronto:backroom comedy club")
    assert host.user.username.startswith("demo-host-toronto-")
    assert host.user.email == f"{host.user.username}@example.org"
    assert not host.user.has_usable_password()


def test_the_date_shift_keeps_weekday_and_local_time():
    import_real("--source", "toronto", "--limit", "1")

    listing = Listing.objects.get(source="toronto", source_id="7deaa388d9cd")
    schedule = Schedule.objects.get(listing=listing)
    # The source: Wednesday 2024-05-08 at 22:00 in Toronto (02:00 UTC the next day).
    assert schedule.weekdays == [2]
    assert schedule.start_times == [time(22, 0)]
    assert schedule.valid_from.weekday() == 2
    assert (schedule.valid_from - date(2024, 5, 8)).days % 7 == 0
    assert TODAY <= schedule.valid_from < TODAY + timedelta(weeks=4)
    assert schedule.valid_until is None
    assert 6 <= schedule.capacity <= 30
    zone = ZoneInfo("America/Toronto")
    starts = [s.starts_at.astimezone(zone) for s in Slot.objects.filter(listing=listing)]
    assert starts
    assert {(s.weekday(), s.time()) for s in starts} == {(2, time(22, 0))}
    last_day = TODAY + timedelta(days=HORIZON)
    assert len(starts) == (last_day - schedule.valid_from).days // 7 + 1


def test_madrid_schedules_follow_recurrence_days_and_time_text():
    import_real("--source", "madrid", "--limit", "2")

    listing = Listing.objects.get(source="madrid", source_id="10493291")
    assert listing.title == "Biblioajedrez"
    assert listing.category.slug == "workshops"
    assert listing.time_zone == "Europe/Madrid"
    assert (listing.price_amount, listing.currency) == (0, "EUR")
    assert listing.content_language == "es"
    assert listing.license == License.MADRID
    assert listing.attribution == "Origen de los datos: Ayuntamiento de Madrid"
    assert "duration_minutes" in listing.generated_fields
    assert "price_amount" not in listing.generated_fields  # free in the data
    schedule = Schedule.objects.get(listing=listing)
    assert schedule.weekdays == [1]  # recurrence_days "TU"
    assert schedule.start_times == [time(18, 30)]  # time_text
    # The window (2017-09-19 to 2018-06-26) moves in one piece.
    assert schedule.valid_until is not None
    assert schedule.valid_until - schedule.valid_from == date(2018, 6, 26) - date(2017, 9, 19)
    assert schedule.valid_from.weekday() == 1


def test_it_skips_madrid_rows_without_a_description():
    table, err = import_real("--source", "madrid", "--limit", "20")

    assert table["madrid"][:5] == ["20", "4", "0", "0", "16"]
    assert not Listing.objects.filter(source="madrid", description="").exists()
    assert err == ""  # an expected skip is counted, not printed row by row


def test_nps_rows_keep_their_duration_and_generate_the_rest():
    import_real("--source", "nps", "--limit", "3")

    # A stable id from the park, the kind and the title: the row number is not one.
    source_id = core.natural_id(
        "abli", "abli", "Tour", "Boyhood at Knob Creek - Grounds Walking Tour"
    )
    listing = Listing.objects.get(source="nps", source_id=source_id)
    assert listing.category.slug == "tours"
    assert listing.duration_minutes == 45
    assert listing.currency == "USD"
    assert listing.price_amount == generate.price("nps", source_id, "USD")
    assert listing.time_zone == "America/New_York"
    assert listing.source_url == "https://www.nps.gov/abli/index.htm"
    assert listing.attribution == "Source: U.S. National Park Service"
    assert listing.generated_fields == [
        "host", "summary", "languages", "capacity", "time_zone", "weekdays", "start_times",
        "price_amount",
    ]  # fmt: skip
    schedule = Schedule.objects.get(listing=listing)
    assert schedule.weekdays == list(generate.weekdays("nps", source_id))
    assert schedule.valid_from == TODAY
    assert 6 <= schedule.capacity <= 30


def test_wikivoyage_rows_become_places_without_schedule_or_price():
    import_real("--source", "wikivoyage", "--limit", "2")

    listing = Listing.objects.get(
        source="wikivoyage", source_id=core.natural_id("de", "Aachen", "Cineplex Aachen")
    )
    assert listing.title == "Cineplex Aachen"
    assert listing.kind == Listing.Kind.PLACE
    assert listing.category.slug == "film"
    assert listing.price_amount == 0
    assert listing.duration_minutes is None
    assert listing.content_language == "de"
    assert listing.time_zone == "Europe/Berlin"
    assert (listing.city, listing.country_code, listing.tags) == ("Aachen", "DE", ["Aachen"])
    assert listing.attribution == (
        "Listing from Wikivoyage (https://de.wikivoyage.org/wiki/Aachen), CC BY-SA 3.0; "
        "nearest town from GeoNames, CC BY 4.0"
    )
    assert not Schedule.objects.filter(listing=listing).exists()
    assert not Slot.objects.filter(listing=listing).exists()


def test_a_second_run_changes_nothing():
    import_real("--limit", "20")
    before = list(Listing.objects.order_by("pk").values_list("pk", "version", "updated_at"))
    slot = Slot.objects.order_by("pk")[0]
    Slot.objects.filter(pk=slot.pk).update(seats_taken=3)
    slot_count = Slot.objects.count()
    assert slot_count > 0

    table, _ = import_real("--limit", "20")

    assert table["toronto"][:5] == ["20", "0", "0", "20", "0"]
    assert table["madrid"][:5] == ["20", "0", "0", "4", "16"]
    assert table["nps"][:5] == ["20", "0", "0", "20", "0"]
    assert table["wikivoyage"][:5] == ["20", "0", "0", "8", "12"]
    assert all(columns[6] == "0" for columns in table.values())  # no new slots
    assert list(Listing.objects.order_by("pk").values_list("pk", "version", "updated_at")) == before
    assert Slot.objects.count() == slot_count
    assert Slot.objects.get(pk=slot.pk).seats_taken == 3


def test_a_changed_row_is_updated(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    rows = [toronto_row(), toronto_row(id="tor-t2", source_event_id="evt2", title="Harbour Walk")]
    write_csv_gz(path, EVENT_HEADER, list(rows))
    import_file(tmp_path, "toronto")
    slots = Slot.objects.count()

    rows[1]["title"] = "Harbour Walk at Dusk"
    write_csv_gz(path, EVENT_HEADER, list(rows))
    report = import_file(tmp_path, "toronto")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    listing = Listing.objects.get(source="toronto", source_id="evt2")
    assert listing.title == "Harbour Walk at Dusk"
    assert listing.version == 2
    assert Schedule.objects.filter(listing=listing).count() == 1
    assert Slot.objects.count() == slots


def test_an_import_keeps_what_staff_edited_updates_the_rest_and_says_so(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    row = toronto_row(description="An evening of jazz by the lake.\n\nBring a chair.")
    write_csv_gz(path, EVENT_HEADER, [row])
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get()
    assert listing.description_html == ""  # as imported: the page shows the plain text
    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    form = listing_form(
        listing,
        title="Jazz on the Harbour (indoors)",
        description=listing.description.replace("\n", "\r\n"),  # as a browser sends it
        summary=listing.summary,
        tags=",".join(listing.tags),
        languages=",".join(listing.languages),
    )
    assert (
        staff.post(reverse("admin:catalog_listing_change", args=[listing.pk]), form).status_code
        == 302
    )

    row.update(title="Jazz on the Harbor", description="Moved indoors.\n\nDoors open at 6:30.")
    write_csv_gz(path, EVENT_HEADER, [row])
    out = io.StringIO()
    call_command(
        "import_listings", "--source", "toronto", "--data-dir", str(tmp_path),
        "--today", TODAY.isoformat(), stdout=out,
    )  # fmt: skip

    listing.refresh_from_db()
    assert listing.title == "Jazz on the Harbour (indoors)"  # staff's, kept
    assert listing.description == "Moved indoors.\n\nDoors open at 6:30."  # the source's
    assert listing.description_html == "<p>Moved indoors.</p>\n<p>Doors open at 6:30.</p>\n"
    assert listing.summary == "Moved indoors. Doors open at 6:30."
    assert listing.version == 3
    assert "  toronto: 1 × edited here, kept (title)" in out.getvalue().splitlines()


def test_it_skips_bad_rows_with_their_reasons_and_imports_the_rest(tmp_path):
    good = toronto_row()
    broken = io.StringIO()
    csv.DictWriter(broken, EVENT_HEADER, lineterminator="\n").writerow(
        toronto_row(id="tor-t5", source_event_id="evt5", title="PLACEHOLDER")
    )
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            good,
            toronto_row(id="tor-t2", source_event_id="evt2", title="  "),
            toronto_row(id="tor-t3", source_event_id="evt3", latitude="abc"),
            toronto_row(id="tor-t4", source_event_id="evt4", latitude="123"),
            broken.getvalue().replace("PLACEHOLDER", '"Broken "quote" title"').encode(),
            toronto_row(id="tor-t6", source_event_id="evt6", price_amount="1O.00"),
            toronto_row(id="tor-t7", source_event_id="evt7", start="next Friday"),
            toronto_row(id="tor-t8", source_event_id="evt8", title="Still imported"),
        ],
    )
    reasons: list[str] = []

    report = import_file(tmp_path, "toronto", reasons)

    assert report.created == 2
    assert dict(report.skipped) == {
        "no title": 1,
        "unparsable coordinates": 1,
        "coordinates out of range": 1,
        "malformed line": 1,
        "malformed price": 1,
        "malformed date": 1,
    }
    assert reasons == [
        "tor-t2 (line 3): no title",
        "tor-t3 (line 4): unparsable coordinates",
        "tor-t4 (line 5): coordinates out of range",
        "tor-t5 (line 6): malformed line",
        "tor-t6 (line 7): malformed price",
        "tor-t7 (line 8): malformed date",
    ]
    titles = set(Listing.objects.values_list("title", flat=True))
    assert titles == {"Jazz on the Harbour", "Still imported"}


def test_values_the_columns_cannot_hold_skip_their_row(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(currency="cad"),
            toronto_row(id="tor-t2", source_event_id="evt2", currency="Euro"),
            toronto_row(id="tor-t3", source_event_id="e" * 65),
            toronto_row(id="tor-t4", source_event_id="evt4", language="en-GB-oxendict"),
        ],
    )
    reasons: list[str] = []

    report = import_file(tmp_path, "toronto", reasons)

    assert report.created == 1
    assert Listing.objects.get().currency == "CAD"
    assert reasons == [
        "tor-t2 (line 3): malformed currency",
        "tor-t3 (line 4): id too long",
        "tor-t4 (line 5): malformed language",
    ]


def test_a_batch_the_database_refuses_raises_djangos_error_and_inserts_nothing():
    host = HostProfileFactory.create()
    good = ListingFactory.build(host=host, source="toronto", source_id="evt1")
    bad = ListingFactory.build(host=host, source="toronto", source_id="evt2", currency="CAD$")

    with pytest.raises(DataError):  # not psycopg's own: run.py turns it into ImportAborted
        copy_insert([good, bad], returning=["id"])

    assert not Listing.objects.exists()


def test_the_lengths_the_parsers_check_are_the_columns():
    assert Listing._meta.get_field("source_id").max_length == core.MAX_SOURCE_ID
    assert Listing._meta.get_field("content_language").max_length == core.MAX_LANGUAGE


def test_the_command_prints_each_bad_row_and_the_counts_per_reason(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [toronto_row(), toronto_row(id="tor-t2", source_event_id="evt2", latitude="abc")],
    )
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_listings", "--source", "toronto", "--data-dir", str(tmp_path),
        "--today", TODAY.isoformat(), stdout=out, stderr=err,
    )  # fmt: skip

    assert err.getvalue() == (
        "toronto tor-t2 (line 3): skipped, unparsable coordinates (latitude 'abc')\n"
    )
    assert "  toronto: skipped 1 × unparsable coordinates\n" in out.getvalue()


def test_an_invalid_utf8_line_is_reported_and_skipped(tmp_path):
    line = io.StringIO()
    csv.DictWriter(line, EVENT_HEADER, lineterminator="\n").writerow(
        toronto_row(id="tor-t2", source_event_id="evt2", title="Caf\u00e9 night")
    )
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [toronto_row(), line.getvalue().encode().replace("é".encode(), b"\xe9")],
    )
    reasons: list[str] = []

    report = import_file(tmp_path, "toronto", reasons)

    assert report.created == 1
    assert reasons == ["tor-t2 (line 3): invalid UTF-8"]


def test_a_truncated_file_is_reported_where_it_ends(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    rows: list[dict[str, str] | bytes] = [
        toronto_row(id=f"tor-{n}", source_event_id=f"evt{n}", description="x" * 2000)
        for n in range(50)
    ]
    write_csv_gz(path, EVENT_HEADER, rows)
    path.write_bytes(path.read_bytes()[:-200])
    reasons: list[str] = []

    report = import_file(tmp_path, "toronto", reasons)

    assert report.skipped == {"corrupt file": 1}
    assert report.created > 0
    assert reasons == [f"after line {report.created + 1}: corrupt file"]


def test_generated_and_real_prices_are_told_apart(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(),
            toronto_row(id="tor-t2", source_event_id="evt2", is_free="true", price_amount=""),
            toronto_row(id="tor-t3", source_event_id="evt3", price_amount=""),
        ],
    )

    import_file(tmp_path, "toronto")

    paid, free, unknown = Listing.objects.order_by("source_id")
    assert (paid.price_amount, "price_amount" in paid.generated_fields) == (1850, False)
    assert (free.price_amount, "price_amount" in free.generated_fields) == (0, False)
    assert unknown.price_amount == generate.price("toronto", "evt3", "CAD")
    assert unknown.price_amount // 100 in generate.PRICES["CAD"]
    assert "price_amount" in unknown.generated_fields
    assert paid.duration_minutes == 120  # from start and end
    assert "duration_minutes" not in paid.generated_fields
    assert paid.tags == ["Music", "Celebration"]


def test_the_time_zone_comes_from_the_coordinates_or_says_what_it_fell_back_on(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [toronto_row(), toronto_row(id="t2", source_event_id="evt2", latitude="", longitude="")],
    )

    report = import_file(tmp_path, "toronto")

    assert list(Listing.objects.order_by("source_id").values_list("time_zone", "latitude")) == [
        ("America/Toronto", 43.6387),
        ("America/Toronto", None),
    ]
    assert report.notes == {"time zone from city (no coordinates)": 1}
    assert zone_for(40.4168, -3.7038)[:2] == ("Europe/Madrid", "")
    assert zone_for(None, None, country="RU")[0] == "UTC"


def test_repeated_names_in_one_article_are_skipped_and_markup_stripped(tmp_path):
    def place(n: int, name: str, kind: str = "see", article: str = "Meißen") -> dict[str, str]:
        return {
            "id": f"wv-de-{n}", "lang": "de", "article": article, "type": kind, "name": name,
            "latitude": "51.1634", "longitude": "13.4737", "nearest_place": "Meißen",
            "country_code": "DE", "country": "Germany", "nearest_place_km": "0.1",
            "source_url": f"https://de.wikivoyage.org/wiki/{article}",
        }  # fmt: skip

    write_csv_gz(
        tmp_path / SOURCES["wikivoyage"].filename,
        WIKIVOYAGE_HEADER,
        [
            place(1, "'''Porzellanmuseum Meißen'''"),
            place(2, "Porzellanmuseum Meißen"),
            place(3, "Porzellanmuseum Meißen", article="Dresden"),
            place(4, "Domkeller", kind="eat"),
            place(5, "[[Elbe|Elbe-Radweg]] Tour", kind="do"),
        ],
    )
    reasons: list[str] = []

    report = import_file(tmp_path, "wikivoyage", reasons)

    assert report.created == 3
    assert report.skipped == {"repeated name in article": 1, "type 'eat' not imported": 1}
    assert reasons == ["wv-de-2 (line 3): repeated name in article"]
    assert list(Listing.objects.order_by("pk").values_list("title", "category__slug")) == [
        ("Porzellanmuseum Meißen", "sights"),
        ("Porzellanmuseum Meißen", "sights"),
        ("Elbe-Radweg Tour", "tours"),
    ]


def test_source_categories_map_to_ours():
    assert categories.toronto_category("Celebration", "") == "festivals"
    assert categories.toronto_category("Celebrations", "") == "festivals"
    assert categories.toronto_category("Arts/Exhibits", "") == "arts"
    assert categories.toronto_category("Food/Culinary", "") == "food"
    assert categories.toronto_category("Something new", "A quiet afternoon") == "other"
    assert categories.madrid_category("CursosTalleres", "") == "workshops"
    assert categories.madrid_category("Exposiciones", "") == "arts"
    assert categories.madrid_category("CuentacuentosTiteresMarionetas", "") == "family"
    assert categories.madrid_category("ExcursionesItinerariosVisitas", "") == "tours"
    assert categories.madrid_category("ProgramacionDestacadaAgendaCultura", "Concierto") == "music"
    assert categories.nps_category("Tour", "Ranger walk") == "tours"
    assert categories.nps_category("Thing To Do", "Scenic drive") == "outdoors"
    assert categories.nps_category("Thing To Do", "Kayak the bay") == "sports"
    assert categories.wikivoyage_category("see", "Kino am Markt") == "sights"
    assert categories.wikivoyage_category("do", "Kino am Markt") == "film"
    assert categories.wikivoyage_category("do", "Sayed Darwisch") == "other"


def test_every_mapped_category_is_one_of_ours():
    mapped = {*categories.TORONTO.values(), *categories.MADRID.values(), *categories.NPS.values()}
    mapped |= {slug for slug, _ in categories.KEYWORDS}

    assert mapped <= set(CATEGORY_NAMES)


def test_toronto_tags_lose_their_case_and_plural_duplicates():
    tags = ["Celebrations", "Celebration", "Farmers' Market", "Farmers Market", "LGBTQ2S+"]

    assert unique(categories.toronto_tag(tag) for tag in tags) == (
        "Celebration", "Farmers Market", "2SLGBTQ+"
    )  # fmt: skip


def test_wiki_markup_is_stripped_from_names():
    assert strip_wiki_markup("'''Palais des Doges'''") == "Palais des Doges"
    assert strip_wiki_markup("Stadtpark (''Park Miejski'')") == "Stadtpark (Park Miejski)"
    assert strip_wiki_markup("[[Köln|Cologne]] Cathedral") == "Cologne Cathedral"
    assert strip_wiki_markup("[[Aachen]] Dom{{mark}}") == "Aachen Dom"


def test_the_summary_is_the_first_sentence_within_300_characters():
    assert summary_of("Dr. Smith leads the walk. It lasts an hour.") == "Dr. Smith leads the walk."
    long = "word " * 100
    assert len(summary_of(long)) <= 300
    assert summary_of(long).endswith("…")


def test_a_window_moves_by_whole_weeks_to_just_after_today():
    spec = ScheduleSpec(
        weekdays=(2,),
        start_times=(time(19),),
        capacity=10,
        first_date=date(2025, 6, 4),
        last_date=date(2025, 7, 2),
    )

    assert shifted_window(spec, today=TODAY, extra_weeks=0) == (
        date(2026, 11, 25), date(2026, 12, 23)
    )  # fmt: skip
    assert shifted_window(spec, today=TODAY, extra_weeks=2) == (
        date(2026, 12, 9), date(2027, 1, 6)
    )  # fmt: skip


def test_a_sitting_across_the_start_of_daylight_saving_lasts_its_real_length():
    madrid = ZoneInfo("Europe/Madrid")  # on 2025-03-30 the clocks jump from 02:00 to 03:00
    start = parse_local("2025-03-30T01:30:00", madrid, "start")
    end = parse_local("2025-03-30T03:30:00", madrid, "end")
    assert start is not None

    assert sitting_minutes(start, end) == 60


def test_source_picks_only_the_named_sources():
    table, _ = import_real("--source", "nps", "--source", "madrid", "--limit", "3")

    assert set(table) == {"madrid", "nps"}
    assert set(Listing.objects.values_list("source", flat=True)) == {"madrid", "nps"}
