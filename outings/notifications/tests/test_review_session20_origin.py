"""Review (session 20): the websocket's Origin check (origin.SameOriginValidator, session 19)
says it is Django's check of a form's POST, and README's CSRF_TRUSTED_ORIGINS lists the origins
that "may post forms and open the live-update websockets". Django's check takes a trusted
origin with a wildcard for any subdomain (`https://*.example.org`); the websocket's compared
each entry as a whole string, so a page every form of the site accepts could not open its
socket (the live bell stayed silent there). Now the same entries admit the same origins.

(Channels' outer validator reads ALLOWED_HOSTS once, when config.asgi is imported: the pages
here are on hosts the test settings allow. A wildcard entry takes its domain itself, as
Django's is_same_domain does.)"""

import pytest
from django.test import override_settings

from outings.notifications.tests.test_review_session19_origin import opens, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(ALLOWED_HOSTS=[".testserver"], CSRF_TRUSTED_ORIGINS=["https://*.testserver"])
def test_a_trusted_origin_with_a_wildcard_opens_a_socket_as_it_may_post_a_form(guest):
    cookie = session_cookie(guest)

    assert opens(b"https://testserver", b"localhost", cookie) is True


@override_settings(ALLOWED_HOSTS=[".testserver"], CSRF_TRUSTED_ORIGINS=["https://*.testserver"])
def test_a_wildcard_admits_neither_another_scheme_nor_another_port(guest):
    cookie = session_cookie(guest)

    assert opens(b"http://testserver", b"localhost", cookie) is False
    assert opens(b"https://testserver:8443", b"localhost", cookie) is False
