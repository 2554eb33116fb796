"""Review (session 24): a `*` among If-None-Match's entity tags counted as `*` alone.

RFC 9110 (13.1.2) writes If-None-Match as `"*" / #entity-tag`: `*` means "any current
representation" only as the whole header. Session 23 read If-Match so (a `*` in a list is one
of its tags, which nothing is at); If-None-Match still took a `*` anywhere for `*` alone, so a
client revalidating a copy it held at an old ETag, with a `*` in its list too (a cache that
merges conditions, a library that appends one), was told `304 Not Modified` and kept showing
the old copy as current: `GET /listings/{id}` with `If-None-Match: "<old>", *` after the
listing changed. On a write such a list was a `412`, though none of its tags named anything
there. Now a `*` counts as `*` only alone, for If-None-Match as for If-Match: in a list it is
one more entity tag, which names nothing.
"""

from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import ApiToken
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def _changed_listing(client: Client) -> tuple[Any, str, str]:
    """A published listing, its ETag as first read, and its ETag after an edit."""
    listing = ListingFactory.create()
    old = client.get(f"/api/v1/listings/{listing.pk}")["ETag"]
    listing.title = "A new title"
    listing.version += 1
    listing.save()
    new = client.get(f"/api/v1/listings/{listing.pk}")["ETag"]
    assert old != new
    return listing, old, new


def test_a_stale_copy_revalidated_with_a_star_in_the_list_gets_the_new_one(client: Client):
    listing, old, new = _changed_listing(client)

    response = client.get(f"/api/v1/listings/{listing.pk}", headers={"If-None-Match": f"{old}, *"})

    assert response.status_code == 200
    assert response["ETag"] == new
    assert response.json()["title"] == "A new title"


def test_a_read_without_an_etag_answers_a_list_with_a_star(client: Client, guest_token: str):
    response = client.get(
        "/api/v1/bookings", headers=_auth(guest_token, **{"If-None-Match": '"x", *'})
    )

    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_write_whose_if_none_match_lists_a_star_goes_ahead(
    client: Client, guest, guest_token: str, token_for
):
    spare = token_for(guest)
    spare_id = ApiToken.objects.get(user=guest, prefix=spare[:12]).pk

    response = client.delete(
        f"/api/v1/me/tokens/{spare_id}", headers=_auth(guest_token, **{"If-None-Match": '"x", *'})
    )

    assert response.status_code == 204
    assert ApiToken.objects.get(pk=spare_id).revoked_at is not None


def test_the_current_etag_in_such_a_list_still_answers_304(client: Client):
    """The control: a list naming the current ETag is still answered 304, as without the `*`,
    and `*` alone too."""
    listing, _old, new = _changed_listing(client)

    listed = client.get(f"/api/v1/listings/{listing.pk}", headers={"If-None-Match": f"*, {new}"})
    alone = client.get(f"/api/v1/listings/{listing.pk}", headers={"If-None-Match": "*"})

    assert (listed.status_code, alone.status_code) == (304, 304)
