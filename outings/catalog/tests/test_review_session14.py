"""Review (data import, session 14): newer versions of a file, surprising values in a row, and
what a visitor sees of an imported listing. Files are tiny gzip CSVs shaped like the real ones,
written by the helpers of test_import.py; the import runs through the command's entry point."""

import io
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from outings.catalog.importers.run import SOURCES
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.tests.factories import HostProfileFactory
from outings.catalog.tests.test_import import (
    EVENT_HEADER,
    TODAY,
    WIKIVOYAGE_HEADER,
    import_file,
    toronto_row,
    write_csv_gz,
)
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

NPS_HEADER = [
    "id", "park_code", "park_name", "state", "park_city", "title", "record_type", "duration_raw",
    "duration_min_minutes", "duration_max_minutes", "duration_parse",
    "park_entrance_fee_per_person_usd", "park_entrance_fee_per_vehicle_usd", "description",
    "image_url", "latitude", "longitude", "coord_source",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def nps_row(n: int, title: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(NPS_HEADER, "")
    row.update(
        id=f"nps-{n:05d}",
        park_code="abli",
        park_name="Abraham Lincoln Birthplace National Historical Park",
        title=title,
        record_type="Tour",
        duration_min_minutes="45",
        description=f"{title}: a walk around the grounds of the birthplace.",
        latitude="37.61141829",
        longitude="-85.63819614",
    )
    row.update(values)
    return row


def place(n: int, name: str, **values: str) -> dict[str, str]:
    row = {
        "id": f"wv-fr-{n:06d}", "lang": "fr", "article": "Wellington", "type": "see",
        "name": name, "latitude": "-41.2865", "longitude": "174.7762",
        "nearest_place": "Wellington", "country_code": "NZ", "country": "New Zealand",
        "nearest_place_km": "0.4", "source_url": "https://fr.wikivoyage.org/wiki/Wellington",
    }  # fmt: skip
    row.update(values)
    return row


def run_command(tmp_path: Path, source: str, *args: str) -> str:
    out = io.StringIO()
    call_command(
        "import_listings", "--source", source, "--data-dir", str(tmp_path),
        "--today", TODAY.isoformat(), *args, stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    return out.getvalue()


# --- A newer file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "header", "row"),
    [
        ("nps", NPS_HEADER, nps_row),
        ("wikivoyage", WIKIVOYAGE_HEADER, place),
    ],
)
def test_a_row_added_above_others_leaves_each_listing_with_its_own_item(
    tmp_path, source, header, row
):
    """NPS and Wikivoyage rows have no id of their own: `id` is the row's number in the file
    (nps-00000, nps-00001, ...). A newer file with one item more near the top renumbers every
    row after it, and each listing then took the next item's title, text and bookings."""
    path = tmp_path / SOURCES[source].filename
    write_csv_gz(path, header, [row(0, "Boyhood Walk"), row(1, "Musée de la ville")])
    import_file(tmp_path, source)
    before = dict(Listing.objects.values_list("title", "pk"))

    write_csv_gz(
        path, header, [row(0, "Cabin Talk"), row(1, "Boyhood Walk"), row(2, "Musée de la ville")]
    )
    report = import_file(tmp_path, source)

    assert (report.created, report.updated, report.unchanged) == (1, 0, 2)
    after = dict(Listing.objects.values_list("title", "pk"))
    assert after["Boyhood Walk"] == before["Boyhood Walk"]
    assert after["Musée de la ville"] == before["Musée de la ville"]
    assert Listing.objects.count() == 3


def test_a_listing_imported_under_its_row_number_keeps_its_record_under_the_new_identity(
    tmp_path,
):
    """A database filled before listings had a stable identity has NPS listings named by row
    number: the first run after the upgrade takes them over (same listing, same bookings)
    instead of creating a second copy of each."""
    path = tmp_path / SOURCES["nps"].filename
    write_csv_gz(path, NPS_HEADER, [nps_row(0, "Boyhood Walk")])
    import_file(tmp_path, "nps")
    listing = Listing.objects.get()
    Listing.objects.filter(pk=listing.pk).update(source_id="nps-00000", content_hash="")

    report = import_file(tmp_path, "nps")

    assert (report.created, report.updated) == (0, 1)
    assert list(Listing.objects.values_list("pk", "source_id")) == [(listing.pk, listing.source_id)]


def test_a_listing_whose_item_left_the_source_is_withdrawn_and_returns_with_it(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    gone = toronto_row(id="tor-t2", source_event_id="evt2", title="Harbour Walk")
    write_csv_gz(path, EVENT_HEADER, [toronto_row(), gone])
    run_command(tmp_path, "toronto")

    write_csv_gz(path, EVENT_HEADER, [toronto_row()])
    out = run_command(tmp_path, "toronto")

    walk = Listing.objects.get(source_id="evt2")
    assert walk.status == Listing.Status.PAUSED
    assert walk.withdrawn_at is not None
    assert walk.version == 2
    assert Listing.objects.get(source_id="evt1").status == Listing.Status.PUBLISHED
    assert "  toronto: 1 × withdrawn (no longer in the source)" in out.splitlines()
    assert AuditEntry.objects.filter(listing=walk, action="withdrawn").count() == 1

    write_csv_gz(path, EVENT_HEADER, [toronto_row(), gone])
    out = run_command(tmp_path, "toronto")

    walk = Listing.objects.get(pk=walk.pk)
    assert (walk.status, walk.withdrawn_at, walk.version) == (Listing.Status.PUBLISHED, None, 3)
    assert "  toronto: 1 × back in the source, published again" in out.splitlines()


def test_nothing_is_withdrawn_after_a_partial_read_or_from_a_listing_a_host_took_over(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    rows: list[dict[str, str] | bytes] = [
        toronto_row(id=f"tor-{n}", source_event_id=f"evt{n}") for n in range(3)
    ]
    write_csv_gz(path, EVENT_HEADER, rows)
    run_command(tmp_path, "toronto")
    taken = Listing.objects.get(source_id="evt2")
    Listing.objects.filter(pk=taken.pk).update(host=HostProfileFactory.create())
    paused = Listing.objects.get(source_id="evt1")
    Listing.objects.filter(pk=paused.pk).update(status=Listing.Status.PAUSED)

    out = run_command(tmp_path, "toronto", "--limit", "1")
    assert "× withdrawn" not in out
    assert "  toronto: nothing withdrawn (--limit: the file was not read whole)" in out

    write_csv_gz(path, EVENT_HEADER, rows[:1])
    run_command(tmp_path, "toronto")

    assert Listing.objects.get(pk=taken.pk).status == Listing.Status.PUBLISHED  # theirs now
    staff_paused = Listing.objects.get(pk=paused.pk)
    assert (staff_paused.status, staff_paused.withdrawn_at) == (Listing.Status.PAUSED, None)

    write_csv_gz(path, EVENT_HEADER, rows)
    run_command(tmp_path, "toronto")
    assert Listing.objects.get(pk=paused.pk).status == Listing.Status.PAUSED  # staff's pause


def test_a_row_whose_time_changed_leaves_no_date_at_the_old_time(tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    row = toronto_row()  # Wednesdays 19:00 in Toronto
    write_csv_gz(path, EVENT_HEADER, [row])
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get()
    booked = Slot.objects.filter(listing=listing, starts_at__gt=timezone.now()).earliest(
        "starts_at"
    )
    Slot.objects.filter(pk=booked.pk).update(seats_taken=2)

    row.update(start="2025-06-05T00:00:00.000Z", end="2025-06-05T02:00:00.000Z")  # 20:00
    write_csv_gz(path, EVENT_HEADER, [row])
    import_file(tmp_path, "toronto")

    zone = ZoneInfo("America/Toronto")
    future = Slot.objects.filter(
        listing=listing, starts_at__gt=timezone.now(), status=Slot.Status.OPEN
    )
    times = {slot.starts_at.astimezone(zone).time() for slot in future.exclude(pk=booked.pk)}
    assert times == {time(20, 0)}
    assert Slot.objects.get(pk=booked.pk).seats_taken == 2  # a booked date is never removed


# --- Surprising values -------------------------------------------------------------------------


def test_entities_and_html_in_text_columns_become_plain_text(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["madrid"].filename,
        EVENT_HEADER,
        [
            toronto_row(
                id="mad-1",
                source_event_id="10445082",
                currency="EUR",
                city="Madrid",
                country_code="ES",
                latitude="40.4168",
                longitude="-3.7038",
                start="2025-06-04T19:00:00",
                end="2025-06-04T21:00:00",
                time_text="19:00",
                title="<b>Rock</b> &amp; Roll",
                venue_name="Centro Cultural Juan Genov&eacute;s",
                address="AVENIDA INSTITUCION LIBRE DE ENSE&amp;Ntilde;ANZA 14",
                description=(
                    "<p>Los temas del Rock &amp; Roll.</p><p>Emprenden &lt;&lt;La gira»"
                    "<br>&gt; Apta para todos</p><script>alert(1)</script>"
                ),
            )
        ],
    )

    import_file(tmp_path, "madrid")

    listing = Listing.objects.get()
    assert listing.title == "Rock & Roll"
    assert listing.address == (
        "Centro Cultural Juan Genovés, AVENIDA INSTITUCION LIBRE DE ENSEÑANZA 14"
    )
    assert listing.description == (
        "Los temas del Rock & Roll.\n\nEmprenden <<La gira»\n> Apta para todos"
    )
    assert listing.time_zone == "Europe/Madrid"


def test_swapped_coordinates_are_put_back_and_never_give_another_zone(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(latitude="-79.3817", longitude="43.6387"),  # Antarctica/Syowa
            toronto_row(id="t2", source_event_id="evt2", latitude="48.8566", longitude="2.3522"),
        ],
    )
    write_csv_gz(
        tmp_path / SOURCES["nps"].filename,
        NPS_HEADER,
        [nps_row(0, "Boyhood Walk", latitude="-85.63819614", longitude="37.61141829")],
    )

    toronto = import_file(tmp_path, "toronto")
    import_file(tmp_path, "nps")

    swapped, paris = Listing.objects.filter(source="toronto").order_by("source_id")
    assert (swapped.latitude, swapped.longitude, swapped.time_zone) == (
        43.6387,
        -79.3817,
        "America/Toronto",
    )
    # Somewhere else entirely: the point is dropped, the zone is the city's.
    assert (paris.latitude, paris.longitude, paris.time_zone) == (None, None, "America/Toronto")
    assert toronto.notes == {
        "latitude and longitude swapped": 1,
        "coordinates outside the city dropped (time zone from city)": 1,
    }
    park = Listing.objects.get(source="nps")
    assert (park.latitude, park.time_zone) == (37.61141829, "America/New_York")
    slot = Slot.objects.filter(listing=swapped).first()
    assert slot is not None
    assert slot.starts_at.astimezone(ZoneInfo("America/Toronto")).time() == time(19, 0)


def test_a_wikivoyage_point_at_sea_is_skipped_not_placed_in_another_country(tmp_path):
    """The nearest town and country of a Wikivoyage row are GeoNames' answer for its point; a
    point at sea (a flipped sign in the source) put Wellington's Matiu/Somes Island in
    "Nikol'skoye, RU" with a UTC clock."""
    write_csv_gz(
        tmp_path / SOURCES["wikivoyage"].filename,
        WIKIVOYAGE_HEADER,
        [
            place(1, "Te Papa"),
            place(
                2, "Matiu/Somes Island", latitude="41.2554", longitude="174.8671",
                nearest_place="Nikol’skoye", country_code="RU", nearest_place_km="1680.5",
            ),
        ],
    )  # fmt: skip
    reasons: list[str] = []

    report = import_file(tmp_path, "wikivoyage", reasons)

    assert report.created == 1
    assert reasons == ["wv-fr-000002 (line 3): coordinates at sea"]


def test_russian_names_keep_their_script_language_and_search_configuration(tmp_path):
    write_csv_gz(
        tmp_path / SOURCES["wikivoyage"].filename,
        WIKIVOYAGE_HEADER,
        [
            place(
                1, "Эрмитаж", lang="ru", article="Санкт-Петербург",
                latitude="59.9398", longitude="30.3146", nearest_place="Санкт-Петербург",
                country_code="RU", source_url="https://ru.wikivoyage.org/wiki/Санкт-Петербург",
            )
        ],
    )  # fmt: skip

    import_file(tmp_path, "wikivoyage")

    listing = Listing.objects.get()
    assert (listing.title, listing.content_language, listing.time_zone) == (
        "Эрмитаж",
        "ru",
        "Europe/Moscow",
    )
    assert Listing.objects.filter(search_vector="эрмитаж").exists()


def test_withdrawn_listings_are_not_shown(client, tmp_path):
    path = tmp_path / SOURCES["toronto"].filename
    write_csv_gz(path, EVENT_HEADER, [toronto_row()])
    run_command(tmp_path, "toronto")
    listing = Listing.objects.get()
    write_csv_gz(path, EVENT_HEADER, [toronto_row(id="t2", source_event_id="evt2")])
    run_command(tmp_path, "toronto")

    assert client.get(listing.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/listings/{listing.pk}").status_code == 404
    assert timezone.now() - Listing.objects.get(pk=listing.pk).updated_at < timedelta(minutes=1)
