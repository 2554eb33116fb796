"""Review (session 20) of the account pages. An address longer than the 254 characters an
address column holds passed allauth's forms (their email fields set no length): signing up with
one made an account whose address was cut to its first 254 characters (allauth's user_field
truncates), an invalid address a verification mail then went to, and adding one on
/accounts/email/ answered 500. Both refuse it now, with the form's message, and change nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts.models import User
from outings.accounts.tests.reauth import reauthenticated
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
TOO_LONG = "n" * 243 + "@example.org"  # 255 characters, a valid form otherwise
LONGEST = "n" * 242 + "@example.org"  # 254


def _sign_up(email: str) -> int:
    response = Client().post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    if response.status_code == 200:
        assert "At most 254 characters." in response.content.decode()
    return response.status_code


def test_sign_up_refuses_an_address_too_long_to_keep_and_makes_no_account(nudges):
    assert _sign_up(TOO_LONG) == 200

    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert nudges == []


def test_sign_up_takes_the_longest_address_kept_whole():
    assert _sign_up(LONGEST) == 302

    assert User.objects.get().email == LONGEST


def test_adding_an_address_too_long_to_keep_is_refused_not_a_500():
    user = UserFactory.create(password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    reauthenticated(client)

    response = client.post("/accounts/email/", {"action_add": "", "email": TOO_LONG})

    assert response.status_code == 200
    assert "At most 254 characters." in response.content.decode()
    assert list(EmailAddress.objects.values_list("email", flat=True)) == [user.email]
