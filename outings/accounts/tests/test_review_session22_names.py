"""Review (session 22): a person's name and a host's public name are one line of text, but
update_profile and the host profile took any character: a new line, a tab, a line separator or a
bidirectional override. The guest's name is written into mail that others read (the host's
"booked" notice; a transfer offer, mailed to any address the guest types, "<name> wants to hand
you their booking"), so a name of several lines put a paragraph of the guest's choosing into a
mail from the site ("Your account is locked: log in at ..."), and an override (U+202E) turned
the rest of its line around. Such a name is now refused (400 validation_error naming the field;
nothing changes); names in any script, a zero-width non-joiner in a Persian one too, are taken.
Personas: a guest (Ada) editing her profile through the API; a host (Hal)."""

from typing import Any

import pytest

from outings.accounts import services
from outings.accounts.models import HostProfile, User
from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INJECTED = [
    "Ada\n\nYour Outings account is locked: log in at https://outings.example.net/",
    "Ada\r\nBcc: everyone@example.org",
    "Ada\tLovelace",
    "Ada\u2028Your account is locked",
    "Ada \u202egnp.exe",
    "Ada \u2067Lovelace",
    "Ada\x85Lovelace",
]


@pytest.fixture
def ada() -> User:
    return UserFactory.create(first_name="Ada", last_name="Lovelace")


def _patch_me(client: Any, user: User, **fields: str) -> Any:
    secret = services.create_api_token(user=user, name="tests").secret
    return client.patch(
        "/api/v1/me", data=fields, content_type="application/json", **bearer(secret)
    )


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("name", INJECTED)
def test_a_name_of_more_than_one_line_or_with_controls_is_refused(client, ada, field, name):
    response = _patch_me(client, ada, **{field: name})

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [field]
    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")


@pytest.mark.parametrize("name", ["Zoë", "Łukasz", "Nguyễn Thị", "مهر\u200cناز", "大野 一郎"])
def test_names_in_any_script_are_taken(client, ada, name):
    response = _patch_me(client, ada, first_name=name)

    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.first_name == name


@pytest.mark.parametrize("field", ["display_name", "city"])
@pytest.mark.parametrize("text", INJECTED)
def test_a_hosts_public_name_or_city_of_more_than_one_line_is_refused(field, text):
    hal = UserFactory.create()
    data = {"display_name": "Hal's tours", "city": "Madrid", field: text}

    with pytest.raises(services.InvalidHostProfile) as refused:
        services.become_host(user=hal, data=services.HostProfileData(**data))

    assert list(refused.value.fields) == [field]
    assert not HostProfile.objects.exists()


def test_a_hosts_about_text_keeps_its_lines():
    hal = UserFactory.create()
    data = services.HostProfileData(display_name="Hal's tours", bio="Tours.\n\nSince 2001.")

    host = services.become_host(user=hal, data=data)

    assert host.bio == "Tours.\n\nSince 2001."
