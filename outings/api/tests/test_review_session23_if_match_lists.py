"""Session 23: `If-Match: "a", *`. RFC 9110 (13.1.1) writes If-Match as `"*" / #entity-tag`:
`*` alone, or a list of entity tags, never both. The API took a `*` anywhere in the list for
`*` ("whatever is there"), so a write conditioned on a tag went ahead whatever the record was:
`DELETE /me/tokens/{id}` revoked the token, a pause paused a listing at another version. A `*`
among entity tags is now one of them, which names no version: the precondition fails (412) and
nothing changes. `*` alone still goes ahead."""

from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import ApiToken
from outings.api.tests.helpers import error_of
from outings.api.tests.test_review_session13_offer import api, host, published
from outings.catalog.models import Listing

__all__ = ["api", "host", "published"]  # fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

MIXED = ['"stale", *', '*, "stale"', "*, *"]


@pytest.mark.parametrize("header", MIXED)
def test_a_delete_whose_if_match_mixes_star_and_tags_changes_nothing(
    client: Client, guest_token: str, header: str
):
    auth = {"Authorization": f"Bearer {guest_token}"}
    token = ApiToken.objects.get()

    response: Any = client.delete(
        f"/api/v1/me/tokens/{token.pk}", headers={**auth, "If-Match": header}
    )

    assert response.status_code == 412, response.content
    assert error_of(response)["code"] == "precondition_failed"
    assert ApiToken.objects.filter(pk=token.pk, revoked_at=None).exists()


@pytest.mark.parametrize("header", MIXED)
def test_a_state_change_whose_if_match_mixes_star_and_tags_changes_nothing(
    api: Client, published: Listing, header: str
):
    response: Any = api.generic(
        "POST", f"/api/v1/host/listings/{published.pk}/pause", headers={"If-Match": header}
    )

    assert response.status_code == 412, response.content
    published.refresh_from_db()
    assert (published.status, published.version) == (Listing.Status.PUBLISHED, 1)


@pytest.mark.parametrize("header", MIXED)
def test_a_read_whose_if_match_mixes_star_and_tags_is_a_412(
    client: Client, published: Listing, header: str
):
    response = client.get(f"/api/v1/listings/{published.pk}", headers={"If-Match": header})

    assert response.status_code == 412


def test_a_star_alone_still_goes_ahead(api: Client, published: Listing):
    read = api.get(f"/api/v1/listings/{published.pk}", headers={"If-Match": " * "})
    paused = api.generic(
        "POST", f"/api/v1/host/listings/{published.pk}/pause", headers={"If-Match": "*"}
    )

    assert read.status_code == 200
    assert paused.status_code == 200
