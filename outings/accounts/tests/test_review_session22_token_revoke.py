"""Review (session 22): "Revoke" on the tokens page, pressed for a token already revoked (a
second tab, a page left open, a double click), answered the site's "page not found": the
user's own token was gone, and the page said nothing of it. It now returns to the list and says
that the token was revoked already; another user's token, or one that never existed, is still a
404 (nothing tells whether someone else's token exists), and the API keeps its 404. Personas:
Ada with two tabs; Bee, another user."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services
from outings.accounts.models import ApiToken
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"


def _tab(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_revoking_a_token_revoked_meanwhile_says_so_on_the_list():
    ada = UserFactory.create()
    token = services.create_api_token(user=ada, name="calendar script").token
    first, second = _tab(ada), _tab(ada)
    assert "calendar script" in second.get(PAGE).content.decode()  # the older tab's list
    assert first.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at

    response = second.post(f"{PAGE}{token.pk}/revoke/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(PAGE, 302)]
    assert "This token was revoked already; it no longer works." in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_another_users_revoked_token_is_still_not_found():
    ada, bee = UserFactory.create(), UserFactory.create()
    theirs = services.create_api_token(user=bee, name="bee's").token
    services.revoke_api_token(user=bee, token_id=theirs.pk, now=timezone.now())

    response = _tab(ada).post(f"{PAGE}{theirs.pk}/revoke/")

    assert response.status_code == 404
    assert "revoked already" not in response.content.decode()


def test_the_api_still_answers_404_for_a_revoked_token():
    ada = UserFactory.create()
    secret = services.create_api_token(user=ada, name="client").secret
    gone = services.create_api_token(user=ada, name="old").token
    services.revoke_api_token(user=ada, token_id=gone.pk, now=timezone.now())

    response = Client().delete(
        f"/api/v1/me/tokens/{gone.pk}", headers={"Authorization": f"Bearer {secret}"}
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
