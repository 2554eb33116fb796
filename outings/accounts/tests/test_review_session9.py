"""Review of session 9's account page for API tokens: each test names what goes wrong and why."""

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.accounts.tests.reauth import reauthenticated

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"


def test_a_post_without_a_name_says_what_is_wrong(client: Client) -> None:
    """A form posted with no fields at all (a script, or the name field removed) is refused as
    400, but outings/accounts/views.py:31 builds the form from `request.POST or None`: an empty
    POST is falsy, the form is unbound, and an unbound form has no errors, so the page answers
    400 without saying what was wrong. The form should be bound on every POST
    (`ApiTokenForm(request.POST if request.method == "POST" else None)`)."""
    user = User.objects.create_user(username="ada", email="ada@example.org", password="pw-1234567")
    client.force_login(user)
    reauthenticated(client)  # creating a token asks for the password first (session 19)

    response = client.post(PAGE, {})

    assert response.status_code == 400
    assert response.context["form"].is_bound
    assert response.context["form"].errors, "a 400 that tells the user nothing"
