"""Review (session 22): the host's listing form told the host that a booking by request is
accepted or declined "within 24 hours", whatever BOOKINGS_REQUEST_HOURS says (the guest's
booking forms give the setting since this morning), and the model's help text said the same.
The form now gives the setting's hours and says that the start comes first; the help text
names the setting rather than a number (a number there would be written into a migration, and
makemigrations would want another one wherever the setting differs)."""

import pytest
from django.test import Client, override_settings

from outings.catalog.models import Listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]


@override_settings(BOOKINGS_REQUEST_HOURS=12)
@pytest.mark.parametrize(
    ("accept", "said"),
    [
        (
            "en",
            "By request: you accept or decline each booking within 12 hours, and before its "
            "date starts at the latest",
        ),
        (
            "de",
            "Auf Anfrage: Du nimmst jede Buchung innerhalb von 12 Stunden an oder lehnst sie ab, "
            "spätestens bevor ihr Termin beginnt",
        ),
    ],
)
def test_the_listing_form_gives_the_hours_a_request_waits(
    host_client: Client, listing: Listing, accept: str, said: str
) -> None:
    new = host_client.get("/host/listings/new/", HTTP_ACCEPT_LANGUAGE=accept)
    edit = host_client.get(f"/host/listings/{listing.pk}/", HTTP_ACCEPT_LANGUAGE=accept)

    for page in (new, edit):
        assert page.status_code == 200
        html = page.content.decode()
        assert said in html
        assert "within 24 hours" not in html  # the flexible policy names 24 hours, rightly
        assert "innerhalb von 24 Stunden" not in html


@override_settings(BOOKINGS_REQUEST_HOURS=1)
def test_one_hour_is_one_hour(host_client: Client) -> None:
    page = host_client.get("/host/listings/new/").content.decode()

    assert "each booking within 1 hour, and before its date starts at the latest" in page


def test_the_models_help_text_names_no_number_of_hours() -> None:
    help_text = str(Listing._meta.get_field("instant_booking").help_text)

    assert "24" not in help_text
    assert "BOOKINGS_REQUEST_HOURS" in help_text
