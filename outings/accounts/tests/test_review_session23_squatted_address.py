"""Review (session 23): anyone signed in may add any address to their account, unverified
(allauth does not say which addresses have an account), and sign-up counted such an address as
taken: allauth finds an account by any of its addresses, verified or not. So Sam added
ada@example.org to his account, and when Ada signed up with her own address no account was made:
she was mailed "you already have an account", and "forgot your password" then mailed her a reset
of Sam's account. Nobody could ever sign up with an address someone else had typed into their
account. An address that another account has only unverified, and not as its own
(User.email), no longer counts as taken at sign-up: Ada's account is made and her link signs her
in, and her address leaves Sam's account once she has confirmed it. An address another account
has as its own or verified is still taken (the mail says so, no account is made). Personas:
Ada, who owns her mailbox; Sam, who typed her address."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import caches
from django.test import Client

from outings.accounts.models import User
from outings.accounts.tests.reauth import reauthenticated
from outings.accounts.tests.test_review_session21_confirm_taken import _confirm_link
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def sam() -> User:
    user = UserFactory.create(username="sam", email="sam@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _sam_adds(sam: User, address: str) -> None:
    client = Client()
    client.force_login(sam)
    response = reauthenticated(client).post(
        "/accounts/email/", {"action_add": "", "email": address}
    )
    assert response.status_code == 302


def _sign_up(email: str, client: Client | None = None) -> int:
    return (
        (client or Client())
        .post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})
        .status_code
    )


def _subjects_to(address: str) -> list[str]:
    return [
        mail.payload["subject"]
        for mail in OutboxMessage.objects.filter(kind="accounts.mail", payload__to=[address])
    ]


def test_ada_signs_up_with_her_address_though_sam_typed_it_into_his_account(sam):
    _sam_adds(sam, "ada@example.org")  # which mails Ada a link to confirm it on Sam's account
    # Later (allauth mails one confirmation per address in 3 minutes: "confirm_email").
    caches["ratelimits"].clear()
    client = Client()

    assert _sign_up("Ada@example.org", client) == 302

    ada = User.objects.get(email="ada@example.org")
    assert ada.pk != sam.pk
    assert _subjects_to("ada@example.org") == ["[Outings] Please Confirm Your Email Address"] * 2
    assert client.get(_confirm_link("ada@example.org")).status_code == 200
    assert client.post(_confirm_link("ada@example.org")).status_code == 302
    assert client.session["_auth_user_id"] == str(ada.pk)
    assert EmailAddress.objects.get(user=ada).verified
    # Her account, by her address, from anywhere.
    signed_in = Client()
    signed_in.post("/accounts/login/", {"login": "ada@example.org", "password": PASSWORD})
    assert signed_in.session["_auth_user_id"] == str(ada.pk)
    # Hers, proven hers, left Sam's account, so that its resets find her account alone and
    # the admin's "one address, one account" does not refuse her page; his own stays.
    assert set(EmailAddress.objects.filter(user=sam).values_list("email", "verified")) == {
        ("sam@example.org", True)
    }
    assert list(User.objects.filter(pk=sam.pk).values_list("email", flat=True)) == [
        "sam@example.org"
    ]


def test_until_ada_confirms_it_sams_copy_stays(sam):
    _sam_adds(sam, "ada@example.org")
    caches["ratelimits"].clear()

    assert _sign_up("ada@example.org") == 302

    assert EmailAddress.objects.filter(user=sam, email="ada@example.org").exists()


def test_an_address_another_account_has_as_its_own_is_still_taken(sam):
    assert _sign_up("sam@example.org") == 302

    assert list(User.objects.values_list("pk", flat=True)) == [sam.pk]
    assert _subjects_to("sam@example.org") == ["[Outings] Account Already Exists"]


def test_an_address_another_account_has_verified_is_still_taken(sam):
    EmailAddress.objects.create(user=sam, email="sam.work@example.org", verified=True)

    assert _sign_up("sam.work@example.org") == 302

    assert list(User.objects.values_list("pk", flat=True)) == [sam.pk]
    assert _subjects_to("sam.work@example.org") == ["[Outings] Account Already Exists"]
