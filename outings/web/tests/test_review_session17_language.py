"""Review (session 17): the language a request is answered in is current while it is answered,
and no longer. Django's LocaleMiddleware and the site's SiteLanguageMiddleware activated it and
left it active in the thread (as TimezoneMiddleware once left the zone): whatever the thread did
after the response (a receiver of request_finished, the next request's work before the language
middleware runs, the next test) did it in the last visitor's language."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import gettext

from outings.accounts.middleware import SiteLanguageMiddleware
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# (the thread's language before the request, the language the request is answered in)
EACH_WAY = [("en", "de"), ("de", "en")]
EXPLORE = {"en": "Explore", "de": "Entdecken"}


@pytest.fixture
def after_the_response() -> Iterator[list[str]]:
    """What code run after the response (a receiver of request_finished, as the request id's
    is) reads "Explore" as."""
    heard: list[str] = []

    def receiver(**kwargs: Any) -> None:
        heard.append(gettext("Explore"))

    request_finished.connect(receiver)
    yield heard
    request_finished.disconnect(receiver)


def assert_answered_in(
    language: str, response: Any, *, leaving: str, heard_after: list[str]
) -> None:
    """The page is in `language` and says so; the thread is in `leaving` after it, for the code
    run after the response as for the test."""
    assert f'<html lang="{language}">' in response.content.decode()
    assert response["Content-Language"] == language
    assert heard_after == [EXPLORE[leaving]]
    assert translation.get_language() == leaving


@pytest.mark.parametrize(("thread", "asked"), EACH_WAY)
def test_a_request_leaves_the_threads_language_as_it_found_it(
    client: Client, after_the_response: list[str], thread: str, asked: str
) -> None:
    translation.activate(thread)

    response = client.get("/", headers={"Accept-Language": asked})

    assert_answered_in(asked, response, leaving=thread, heard_after=after_the_response)


@pytest.mark.parametrize(("thread", "chosen"), EACH_WAY)
def test_a_signed_in_users_chosen_language_is_left_with_their_request(
    after_the_response: list[str], thread: str, chosen: str
) -> None:
    client = Client()
    client.force_login(UserFactory.create(preferred_language=chosen))
    translation.activate(thread)

    response = client.get("/bookings/", headers={"Accept-Language": thread})

    assert_answered_in(chosen, response, leaving=thread, heard_after=after_the_response)


def test_the_site_language_middleware_gives_back_the_language_it_replaced() -> None:
    """On its own, outside LocaleMiddleware: the chosen language for the view, and the response
    says so; the thread's language again afterwards."""
    request = RequestFactory().get("/bookings/")
    request.user = UserFactory.create(preferred_language="de")
    seen: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(translation.get_language())
        return HttpResponse()

    translation.activate("en")
    response = SiteLanguageMiddleware(view)(request)

    assert seen == ["de"]
    assert response["Content-Language"] == "de"
    assert translation.get_language() == "en"


# The API's errors that ApiMiddleware rewrites into its shape on the way out (ninja's bare 405
# here) are written after LocaleMiddleware has returned: in the request's language still.
METHOD_NOT_ALLOWED = {
    "en": "This method is not allowed here.",
    "de": "Diese Methode ist hier nicht erlaubt.",
}


@pytest.mark.parametrize(("thread", "asked"), EACH_WAY)
def test_an_api_error_rewritten_on_the_way_out_is_in_the_requests_language(
    client: Client, thread: str, asked: str
) -> None:
    translation.activate(thread)

    response = client.delete("/api/v1/categories", headers={"Accept-Language": asked})

    assert response.status_code == 405
    assert response.json()["error"]["message"] == METHOD_NOT_ALLOWED[asked]
    assert translation.get_language() == thread


@pytest.mark.parametrize(("thread", "chosen"), EACH_WAY)
def test_an_api_error_rewritten_on_the_way_out_is_in_the_signed_in_users_language(
    thread: str, chosen: str
) -> None:
    client = Client()
    client.force_login(UserFactory.create(preferred_language=chosen))
    translation.activate(thread)

    response = client.delete("/api/v1/categories", headers={"Accept-Language": thread})

    assert response.status_code == 405
    assert response.json()["error"]["message"] == METHOD_NOT_ALLOWED[chosen]
    assert translation.get_language() == thread
