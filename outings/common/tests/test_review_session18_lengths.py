"""Review, session 18: an answer without content carries no Content-Length anywhere on the site
(RFC 9110, 8.6: forbidden in a 204, and in a 304 unless it is the 200's length). Django's
CommonMiddleware gives every answer the length of its content, "0" for these."""

from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client

from outings.common.middleware import ContentLengthMiddleware
from outings.hosting.tests.fixtures import jpeg_rotated, media

__all__ = ["media"]  # fixtures

pytestmark = pytest.mark.django_db


def test_it_sends_no_length_with_a_pages_304(client: Client, media: Path):
    """A file under /media/ (the embedded profile) revalidated by its date answers 304."""
    media.mkdir(parents=True)
    (media / "photo.jpg").write_bytes(jpeg_rotated())
    first = client.get("/media/photo.jpg")

    again = client.get("/media/photo.jpg", headers={"If-Modified-Since": first["Last-Modified"]})

    assert again.status_code == 304
    assert "Content-Length" not in again


def test_it_sends_no_length_with_a_204_and_keeps_it_on_other_answers():
    def answer(status: int) -> HttpResponse:
        response = HttpResponse(b"" if status == 204 else b"hello", status=status)
        response["Content-Length"] = str(len(response.content))
        return response

    empty = ContentLengthMiddleware(lambda request: answer(204))(HttpRequest())
    full = ContentLengthMiddleware(lambda request: answer(200))(HttpRequest())

    assert "Content-Length" not in empty
    assert full["Content-Length"] == "5"


def test_the_api_still_sends_none_with_a_304(client: Client):
    first = client.get("/api/v1/categories")

    again = client.get("/api/v1/categories", headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert "Content-Length" not in again
