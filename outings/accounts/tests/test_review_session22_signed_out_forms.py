"""Review (session 22): a page's button pressed after its session ended (a tab left open
overnight, signed out in another tab) sent the visitor to sign in, and then on to the button's
address with a GET, which the action refused: 405, an empty page. That was every "open" of a
notice in the inbox, "Mark all as read", and "Revoke" / "Revoke all tokens". After signing in,
such a GET now leads back to where the button was (a notice to where it leads), and changes
nothing: the visitor presses again if they still want to. Personas: Ada, signed out; Bee."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User
from outings.catalog.tests.factories import UserFactory
from outings.notifications import services
from outings.notifications.models import Notification

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def ada() -> User:
    user = UserFactory.create(email="ada@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _press_signed_out_then_sign_in(path: str, user: User) -> Any:
    """POST `path` without a session, sign in where it sends us, follow to the end."""
    client = Client()
    asked = client.post(path)
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/?next=")
    return client.post(asked["Location"], {"login": user.email, "password": PASSWORD}, follow=True)


def test_opening_a_notice_after_signing_in_leads_where_it_leads_and_marks_nothing(ada):
    notice = services.notify(
        user=ada, kind="listing.approved", data={"listing": "Walk"}, url="/explore/", email=False
    )

    response = _press_signed_out_then_sign_in(f"/notifications/{notice.pk}/read/", ada)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == ("/explore/", 302)
    assert Notification.objects.get(pk=notice.pk).read_at is None


def test_another_users_notice_is_still_not_found_after_signing_in(ada):
    theirs = services.notify(
        user=UserFactory.create(), kind="listing.approved", data={"listing": "W"}, email=False
    )

    response = _press_signed_out_then_sign_in(f"/notifications/{theirs.pk}/read/", ada)

    assert response.status_code == 404


def test_mark_all_read_after_signing_in_leads_to_the_inbox_and_marks_nothing(ada):
    services.notify(user=ada, kind="listing.approved", data={"listing": "Walk"}, email=False)

    response = _press_signed_out_then_sign_in("/notifications/read-all/", ada)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == ("/notifications/", 302)
    assert Notification.objects.filter(read_at=None).count() == 1


@pytest.mark.parametrize("revoke_all", [False, True], ids=["one", "all"])
def test_revoking_after_signing_in_leads_to_the_tokens_and_revokes_nothing(ada, revoke_all):
    token = account_services.create_api_token(user=ada, name="script").token
    path = (
        "/accounts/api-tokens/revoke-all/"
        if revoke_all
        else f"/accounts/api-tokens/{token.pk}/revoke/"
    )

    response = _press_signed_out_then_sign_in(path, ada)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == ("/accounts/api-tokens/", 302)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
