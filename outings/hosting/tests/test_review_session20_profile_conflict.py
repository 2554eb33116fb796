"""Two edits of a host's public profile, from two tabs or two people at once.

The profile form carried no version and accounts.services.update_host_profile wrote every field
it was sent over the row it had read at the start of the request, without a lock: a host who
changed their bio in one tab and their city in another (a page opened before the first save)
lost the bio without a word, the second save writing the old one back (DESIGN.md invariant 5).
The form now carries the profile's version (accounts.selectors.host_profile_version) and the
service checks it under the profile's row lock: the later save answers 409 with the profile
page, naming what was saved meanwhile, the host's own values in the form on the current
version, and stores nothing (not even the photo it carried)."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from outings.accounts import services
from outings.accounts.selectors import host_profile_version
from outings.accounts.services import HostProfileConflict, HostProfileData
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.hosting.tests.fixtures import png, stored_files


def _form_version(client: Any) -> str:
    page = client.get("/host/profile/").content.decode()
    found = re.search(r'name="version" value="([^"]+)"', page)
    assert found, "the profile form carries no version"
    return found.group(1)


def _post(client: Any, version: str | None, **values: Any) -> Any:
    data = {"display_name": "Ada", "bio": "", "city": "", "languages": "en", **values}
    if version is not None:
        data["version"] = version
    return client.post("/host/profile/", data)


@pytest.mark.django_db
def test_a_save_from_a_page_opened_before_another_save_is_refused_with_409(
    host, host_client, media: Path
):
    first_tab = _form_version(host_client)
    second_tab = _form_version(host_client)
    assert _post(host_client, first_tab, bio="I grew up by the harbour.").status_code == 302

    upload = png()
    response = _post(
        host_client,
        second_tab,
        city="Hamburg",
        photo=SimpleUploadedFile("me.png", upload, content_type="image/png"),
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "I grew up by the harbour." in page  # what was saved meanwhile, named
    assert 'value="Hamburg"' in page  # the host's own value kept in the form
    assert f'name="version" value="{host_profile_version(host=_fresh(host))}"' in page
    host.refresh_from_db()
    assert (host.bio, host.city, host.photo.name) == ("I grew up by the harbour.", "", "")
    assert stored_files(media) == []  # the photo of the refused save is not kept


@pytest.mark.django_db
def test_a_save_without_a_version_changes_nothing(host, host_client):
    before = (host.display_name, host.bio)

    response = _post(host_client, None, display_name="Someone else", bio="New")

    assert response.status_code == 409
    host.refresh_from_db()
    assert (host.display_name, host.bio) == before


@pytest.mark.django_db
def test_saving_again_on_the_current_version_replaces_on_purpose(host, host_client):
    stale = _form_version(host_client)
    _post(host_client, _form_version(host_client), bio="First")
    assert _post(host_client, stale, bio="Second").status_code == 409

    assert _post(host_client, _form_version(host_client), bio="Second").status_code == 302

    host.refresh_from_db()
    assert host.bio == "Second"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_editors_of_one_profile_never_lose_an_update(host):
    version = host_profile_version(host=host)
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the first editor's save, its row lock held until commit
        services.update_host_profile(
            host=host,
            data=HostProfileData(display_name=host.display_name, bio="Mine", languages=["en"]),
            expected_version=version,
        )
        other = in_thread(
            outcome,
            "other",
            lambda: services.update_host_profile(
                host=_fresh(host),
                data=HostProfileData(display_name=host.display_name, city="Kiel"),
                expected_version=version,
            ),
        )
        until_waiting_or_done(other)  # or done: without the lock it goes ahead
    other.join(timeout=10)

    assert isinstance(outcome["other"], HostProfileConflict), outcome["other"]
    host.refresh_from_db()
    assert (host.bio, host.city) == ("Mine", "")


def _fresh(host: Any) -> Any:
    return type(host).objects.get(pk=host.pk)
