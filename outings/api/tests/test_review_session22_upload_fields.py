"""Session 22: the photo upload's errors named one field three ways. Its alt text given twice
was `form.alt_text`, its file given twice `file.file` (ninja's names for a form field and a
file part), while an alt text too long was `body.alt_text` and a missing file `body.file`, as
every other operation names what its body carries. A client keying its form's messages on
`fields` needed all three spellings. Every error of the upload now names `body.<field>`."""

import io

import pytest
from django.test import Client

from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.hosting.tests.fixtures import png, use_media

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def _photo() -> io.BytesIO:
    file = io.BytesIO(png())
    file.name = "photo.png"
    return file


@pytest.fixture
def upload(settings, tmp_path, token_for):
    """Post a form to a draft listing's photos; the error's `fields`."""
    use_media(settings, tmp_path / "media")
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)
    client = Client(raise_request_exception=False)

    def post(form: dict[str, object]) -> dict[str, list[str]]:
        response = client.post(
            f"/api/v1/host/listings/{listing.pk}/photos",
            form,
            HTTP_AUTHORIZATION=f"Bearer {token_for(host.user)}",
        )
        assert response.status_code == 400, response.content
        fields: dict[str, list[str]] = error_of(response)["fields"]
        return fields

    return post


def test_every_error_of_the_upload_names_its_field_in_the_body(upload):
    file_twice = upload({"file": [_photo(), _photo()]})
    alt_text_twice = upload({"file": _photo(), "alt_text": ["A boat", "A harbour"]})
    no_file = upload({"alt_text": "A boat"})
    long_alt_text = upload({"file": _photo(), "alt_text": "x" * 251})

    assert file_twice == {"body.file": ["Given more than once."]}
    assert alt_text_twice == {"body.alt_text": ["Given more than once."]}
    assert no_file == {"body.file": ["Attach the photo as `file`."]}
    assert long_alt_text == {"body.alt_text": ["At most 250 characters."]}
    assert not ListingPhoto.objects.exists()
