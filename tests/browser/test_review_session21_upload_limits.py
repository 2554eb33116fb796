"""Session 21: a body over its path's limit, sent through the embedded profile's one address
(config.front): refused before it is read (asgiproxy read a body of 512 KiB or more whole into
the front's memory before sending it on), with the app's page for it in the visitor's language,
which a host in a real browser sees instead of a reset connection."""

import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from outings.catalog.models import ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, category
from outings.hosting.tests.fixtures import noisy_png, use_media
from tests.browser.conftest import signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]

EACH = 1024 * 1024  # the least PHOTO_MAX_BYTES
AT_ONCE = 1200 * 1024  # one photo of EACH and its form, not two


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    """The same limits in the front's process (its environment) and the app's (this one)."""
    monkeypatch.setenv("PHOTO_MAX_BYTES", str(EACH))
    monkeypatch.setenv("PHOTO_UPLOAD_MAX_BYTES", str(AT_ONCE))
    settings.PHOTO_MAX_BYTES = EACH
    settings.API_MAX_UPLOAD_BYTES = EACH + 64 * 1024
    settings.PHOTO_UPLOAD_MAX_BYTES = AT_ONCE
    use_media(settings, tmp_path / "media")


def _ask(front: str, head: str, body: bytes = b"") -> tuple[bytes, bytes]:
    """Send `head` and the start of a body to the front, as a client still sending the rest
    would; the answer's head and body, read as they come (the connection stays open while the
    front reads and drops what else comes)."""
    where = urlsplit(front)
    with socket.create_connection((where.hostname, where.port), timeout=20) as connection:
        connection.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += connection.recv(65536)
        answer_head, _, answer_body = answer.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", answer_head)[1])  # type: ignore[index]
        while len(answer_body) < length:
            answer_body += connection.recv(65536)
    return answer_head, answer_body


@pytest.mark.usefixtures("small_limits")
def test_a_host_sending_too_many_photos_at_once_reads_why_in_their_language(
    front: str, browser: Any, tmp_path: Path
) -> None:
    category("tours")
    host = HostProfileFactory.create(user__preferred_language="de")
    listing = ListingFactory.create(host=host)
    photos = []
    for n in range(3):  # about 720 KB each
        path = tmp_path / f"p{n}.png"
        path.write_bytes(noisy_png())
        photos.append(str(path))
    page = signed_in(browser, host.user, front, locale="de-DE").new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{front}/host/listings/{listing.pk}/")
    page.set_input_files("#id_photos", photos)
    page.click("form[enctype='multipart/form-data'] button[type=submit]")

    page.wait_for_selector("text=Zu viel auf einmal gesendet")
    assert "höchstens 1 MB" in page.content()
    assert not ListingPhoto.objects.exists()
    page.click("text=Zurück")
    page.wait_for_url(f"{front}/host/listings/{listing.pk}/#photos")


@pytest.mark.usefixtures("small_limits")
def test_the_front_answers_ten_gigabytes_at_once_without_reading_them(front: str) -> None:
    head, body = _ask(
        front,
        "POST /host/listings/1/photos/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept-Language: de\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {10 * 1024**3}\r\n\r\n",
        b"--b\r\n" + b"x" * 100_000,
    )

    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Es wurde nichts hochgeladen" in body


@pytest.mark.usefixtures("small_limits")
def test_the_front_answers_an_api_upload_over_its_limit_in_the_apis_shape(front: str) -> None:
    head, body = _ask(
        front,
        "POST /api/v1/host/listings/1/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {EACH * 2}\r\n\r\n",
        b"--b\r\n",
    )

    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"content-type: application/json" in head.lower()
    assert b'"code": "payload_too_large"' in body
