"""Staff correcting a host's profile in the admin (Accounts → Hosts) over the host's own save.

The admin's host form posts every field: a form opened before the host saved a new bio (or
before another staff member saved) wrote the old one back when staff corrected only the city,
silently (DESIGN.md invariant 5), as the date admin did with a host's places until session 18.
The form now carries what it was opened at (the profile's version and its user account) and
checks it under the profile's row lock, held until the save: refused with a form error, nothing
written, staff's values kept in the fields on the current version (saving again replaces on
purpose)."""

import re
from typing import Any

import pytest

from outings.accounts import services
from outings.accounts.models import HostProfile
from outings.accounts.services import HostProfileData
from outings.catalog.tests.factories import HostProfileFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.fixture
def staff_client(client: Any) -> Any:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _url(host: HostProfile) -> str:
    return f"/admin/accounts/hostprofile/{host.pk}/change/"


def _opened_at(page: str) -> str:
    found = re.search(r'name="expected_version" value="([^"]*)"', page)
    assert found, "the host form carries no version"
    return found.group(1)


def _post(client: Any, host: HostProfile, expected: str | None, **values: Any) -> Any:
    data = {
        "user": host.user_id,
        "display_name": host.display_name,
        "bio": "",
        "city": "",
        "languages": "en",
        **values,
    }
    if expected is not None:
        data["expected_version"] = expected
    return client.post(_url(host), data)


def test_a_form_opened_before_the_hosts_save_does_not_overwrite_it(staff_client):
    host = HostProfileFactory.create(bio="", city="")
    opened = _opened_at(staff_client.get(_url(host)).content.decode())
    services.update_host_profile(
        host=host,
        data=HostProfileData(display_name=host.display_name, bio="Harbour guide since 1999"),
    )

    response = _post(staff_client, host, opened, city="Hamburg")

    assert response.status_code == 200
    page = response.content.decode()
    assert "changed since you opened it" in page
    assert 'value="Hamburg"' in page  # staff's value kept in the field
    host.refresh_from_db()
    assert (host.bio, host.city) == ("Harbour guide since 1999", "")

    again = _post(staff_client, host, _opened_at(page), city="Hamburg", bio=host.bio)

    assert again.status_code == 302
    host.refresh_from_db()
    assert (host.bio, host.city) == ("Harbour guide since 1999", "Hamburg")


def test_a_post_without_the_version_changes_nothing(staff_client):
    host = HostProfileFactory.create(city="")

    response = _post(staff_client, host, None, city="Hamburg")

    assert response.status_code == 200
    host.refresh_from_db()
    assert host.city == ""


def test_a_form_opened_before_the_profile_moved_to_another_account_does_not_move_it_back(
    staff_client,
):
    host = HostProfileFactory.create(city="")
    opened = _opened_at(staff_client.get(_url(host)).content.decode())
    first_user = host.user_id
    HostProfile.objects.filter(pk=host.pk).update(user=UserFactory.create())

    response = _post(staff_client, host, opened, user=first_user, city="Hamburg")

    assert response.status_code == 200
    host.refresh_from_db()
    assert host.user_id != first_user
    assert host.city == ""
