import re

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings

from outings.api.tests.test_route_authorization import PLAIN_STATIC

pytestmark = pytest.mark.django_db

H = "/api/v1/host/listings"
HOST_OPERATIONS = [
    *[("GET", H), ("POST", H), ("GET", f"{H}/{{listing_id}}"), ("PUT", f"{H}/{{listing_id}}")],
    *[("POST", f"{H}/{{listing_id}}/{step}") for step in ("submit", "pause", "resume", "archive")],
    *[("GET", f"{H}/{{listing_id}}/photos"), ("POST", f"{H}/{{listing_id}}/photos")],
    ("PATCH", f"{H}/{{listing_id}}/photos/{{photo_id}}"),
    ("DELETE", f"{H}/{{listing_id}}/photos/{{photo_id}}"),
    ("PUT", f"{H}/{{listing_id}}/photo-order"),
    *[("GET", f"{H}/{{listing_id}}/schedules"), ("POST", f"{H}/{{listing_id}}/schedules")],
    ("PUT", f"{H}/{{listing_id}}/schedules/{{schedule_id}}"),
    ("DELETE", f"{H}/{{listing_id}}/schedules/{{schedule_id}}"),
    ("GET", f"{H}/{{listing_id}}/schedules/{{schedule_id}}/exceptions"),
    ("POST", f"{H}/{{listing_id}}/schedules/{{schedule_id}}/exceptions"),
    ("DELETE", f"{H}/{{listing_id}}/schedules/{{schedule_id}}/exceptions/{{exception_id}}"),
    ("GET", f"{H}/{{listing_id}}/slots"),
    ("PATCH", f"{H}/{{listing_id}}/slots/{{slot_id}}"),
    ("POST", f"{H}/{{listing_id}}/slots/{{slot_id}}/cancel"),
    ("GET", f"{H}/{{listing_id}}/stats"),
]
B = "/api/v1/bookings"
HB = "/api/v1/host/bookings"
BOOKING_OPERATIONS = [
    *[("GET", B), ("POST", B), ("GET", f"{B}/{{reference}}")],
    *[("POST", f"{B}/{{reference}}/{step}") for step in ("confirm", "cancel", "transfer")],
    ("DELETE", f"{B}/{{reference}}/transfer"),
    ("POST", "/api/v1/transfers/{secret}/accept"),
    *[("POST", "/api/v1/slots/{slot_id}/waitlist"), ("GET", "/api/v1/waitlist")],
    ("DELETE", "/api/v1/waitlist/{entry_id}"),
    ("POST", "/api/v1/staff/bookings/{reference}/cancel"),
    *[("GET", HB), ("GET", f"{HB}/{{reference}}")],
    *[("POST", f"{HB}/{{reference}}/{step}") for step in ("accept", "decline", "cancel")],
    ("GET", "/api/v1/host/slots/{slot_id}/roster"),
]


def test_the_openapi_document_is_3_1_and_lists_every_operation(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert operations == {
        ("GET", "/api/v1/categories"),
        ("GET", "/api/v1/listings"),
        ("GET", "/api/v1/listings/{listing_id}"),
        ("GET", "/api/v1/listings/{listing_id}/slots"),
        ("GET", "/api/v1/listings/{listing_id}/similar"),
        ("GET", "/api/v1/search"),
        ("GET", "/api/v1/autocomplete"),
        ("GET", "/api/v1/me"),
        ("PATCH", "/api/v1/me"),
        ("GET", "/api/v1/me/tokens"),
        ("POST", "/api/v1/me/tokens"),
        ("DELETE", "/api/v1/me/tokens/{token_id}"),
        ("GET", "/api/v1/notifications"),
        ("GET", "/api/v1/notifications/unread-count"),
        ("POST", "/api/v1/notifications/{notification_id}/read"),
        ("POST", "/api/v1/notifications/read-all"),
        ("GET", "/api/v1/notifications/email-preferences"),
        ("PATCH", "/api/v1/notifications/email-preferences"),
        *HOST_OPERATIONS,
        *BOOKING_OPERATIONS,
    }


def test_public_operations_declare_anonymous_access_and_private_ones_do_not(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert paths["/api/v1/listings"]["get"]["security"] == [
        {"TokenAuth": []},
        {"SessionAuth": []},
        {},
    ]
    assert paths["/api/v1/me"]["get"]["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]


def test_input_schemas_forbid_unknown_fields(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    assert schemas["TokenIn"]["additionalProperties"] is False
    assert schemas["MePatch"]["additionalProperties"] is False
    for name in ("BookingIn", "TransferIn", "WaitlistIn", "ReasonIn", "StaffReasonIn"):
        assert schemas[name]["additionalProperties"] is False, name


def test_no_booking_answer_can_carry_a_transfer_secret(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    for name in ("BookingOut", "HostBookingOut", "TransferOut", "PendingTransferOut"):
        assert not {"secret", "token", "token_digest", "accept_url"} & set(
            schemas[name]["properties"]
        ), name


@override_settings(STORAGES=PLAIN_STATIC)
def test_the_docs_page_loads_its_assets_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert all(source.startswith("/static/") for source in sources)
    assert all(finders.find(source.removeprefix("/static/")) for source in sources)
