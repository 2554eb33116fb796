"""Session 21: the site's pages refuse a body over its limit before reading it
(outings.web.uploads): the photo upload page took any number of bytes (spooled to disk whole
by the CSRF check's read, in the embedded profile into the front's memory first), and a
proxy's refusal was a bare 413."""

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory
from outings.hosting.tests.fixtures import noisy_png, png, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

BOUNDARY = "outingsboundary"
TEN_GIGABYTES = 10 * 1024**3


def _photos(count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"p{n}.png", noisy_png(), "image/png") for n in range(count)]


def test_photos_over_the_upload_limit_are_refused_with_a_page_and_nothing_is_stored(
    host_client: Any, host: Any, media: Any, settings: Any
) -> None:
    settings.PHOTO_UPLOAD_MAX_BYTES = 1024 * 1024
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)

    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/",
        {"photos": _photos(3)},  # about 720 KB each: each one may be sent, not the three
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "Es wurde nichts hochgeladen" in page
    assert "höchstens 1 MB" in page
    assert f'href="/host/listings/{listing.pk}/#photos"' in page
    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []


def test_photos_within_the_upload_limit_are_all_uploaded(
    host_client: Any, host: Any, media: Any, settings: Any
) -> None:
    settings.PHOTO_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)

    response = host_client.post(f"/host/listings/{listing.pk}/photos/", {"photos": _photos(3)})

    assert response.status_code == 302
    assert ListingPhoto.objects.filter(listing=listing).count() == 3


def test_a_body_declared_over_the_limit_is_refused_without_reading_it(
    host_client: Any, host: Any, media: Any
) -> None:
    """The test client's body holds a few bytes: reading the ten gigabytes its length declares
    fails the test (the payload refuses to be read past its end)."""
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)

    response = host_client.generic(
        "POST",
        f"/host/listings/{listing.pk}/photos/",
        f"--{BOUNDARY}\r\n".encode(),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(TEN_GIGABYTES),
    )

    assert response.status_code == 413
    assert not ListingPhoto.objects.exists()


def test_a_page_that_takes_no_file_refuses_a_body_with_one(
    client: Any, media: Any, settings: Any
) -> None:
    """Any post's form is parsed by the CSRF check, its files spooled to disk: a page that takes
    no file takes no more than a form's worth (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    big = SimpleUploadedFile("big.bin", b"\0" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 128 * 1024))

    response = client.post("/accounts/login/", {"login": "a@example.org", "file": big})

    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_a_portrait_page_takes_a_portrait(host_client: Any, media: Any) -> None:
    response = host_client.post(
        "/host/profile/",
        {"display_name": "Ada", "photo": SimpleUploadedFile("me.png", png(), "image/png")},
    )

    assert response.status_code != 413


def test_the_proxys_refusal_is_the_same_page_for_the_path_it_names(
    host_client: Any, host: Any
) -> None:
    """deploy/nginx.conf and the embedded front ask GET /too-large/ for a body they refused."""
    listing = ListingFactory.create(host=host)

    response = host_client.get(
        "/too-large/",
        HTTP_X_ORIGINAL_URI=f"/host/listings/{listing.pk}/photos/?x=1",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 413
    assert "Es wurde nichts hochgeladen" in response.content.decode()
    assert f'href="/host/listings/{listing.pk}/#photos"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_proxys_refusal_under_the_api_is_the_apis_error(client: Any, settings: Any) -> None:
    response = client.get(
        "/too-large/",
        HTTP_X_ORIGINAL_URI="/api/v1/host/listings/5/photos",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert str(settings.API_MAX_UPLOAD_BYTES) in error["message"]
    assert "größer" in error["message"]


@pytest.mark.parametrize(
    "named",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/nowhere/",
        "",
        # No URL urlsplit can read (an IPv6 host left open): a request to the path //[evil
        # with a body over its limit, which the proxy names as it came. A 500 until then.
        "//[evil",
        "http://[::1/evil",
    ],
)
def test_the_proxys_refusal_links_back_home_for_anything_else(client: Any, named: str) -> None:
    response = client.get("/too-large/", HTTP_X_ORIGINAL_URI=named)

    assert response.status_code == 413
    assert "evil" not in response.content.decode()
    assert 'class="button" href="/"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_live_server_answers_a_huge_upload_at_once(live_server: Any, host: Any) -> None:
    """A real connection declaring ten gigabytes and sending a few bytes of them: the answer
    comes at once, where reading the body would wait for the rest."""
    listing = ListingFactory.create(host=host)
    where = urlsplit(live_server.url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as connection:
        connection.sendall(
            (
                f"POST /host/listings/{listing.pk}/photos/ HTTP/1.1\r\n"
                f"Host: {where.hostname}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: {TEN_GIGABYTES}\r\n\r\n--{BOUNDARY}\r\n"
            ).encode()
        )
        answer = b""
        while b"</html>" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"Nothing was uploaded" in answer


def test_more_files_than_django_reads_are_refused_with_a_page_and_nothing_is_stored(
    host_client: Any, host: Any, media: Any, settings: Any
) -> None:
    """A folder's worth of photos chosen at once: over DATA_UPLOAD_MAX_NUMBER_FILES Django
    refuses to read the form (TooManyFilesSent), which was its bare "Bad Request (400)"."""
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)
    many = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    photos = [SimpleUploadedFile(f"p{n}.png", b"x", "image/png") for n in range(many)]

    response = host_client.post(
        f"/host/listings/{listing.pk}/photos/", {"photos": photos}, HTTP_ACCEPT_LANGUAGE="de"
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f"höchstens {settings.DATA_UPLOAD_MAX_NUMBER_FILES} Dateien" in page
    assert f'href="/host/listings/{listing.pk}/#photos"' in page
    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_form_django_cannot_parse_is_a_page_that_says_nothing_changed(
    host_client: Any, host: Any, media: Any
) -> None:
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)

    response = host_client.generic(
        "POST",
        f"/host/listings/{listing.pk}/photos/",
        b"no parts here",
        content_type="multipart/form-data; boundary=",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 400
    assert "Es wurde nichts geändert" in response.content.decode()
    assert not ListingPhoto.objects.exists()


def test_a_host_name_not_allowed_keeps_djangos_answer(client: Any) -> None:
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert b"Bad Request (400)" in response.content
