"""A websocket's Origin is checked as a form's POST is (session 19): that includes the
wildcard CSRF_TRUSTED_ORIGINS Django takes ("https://*.example.org", every subdomain), which
the socket compared as a literal origin, refusing the pages that may post the site's forms.

config.asgi's outer AllowedHostsOriginValidator read ALLOWED_HOSTS when it was built (the
test settings' hosts); this is the same stack without it, the check under test."""

import pytest
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.test import override_settings

from config.routing import websocket_urlpatterns
from outings.notifications.origin import SameOriginValidator
from outings.notifications.tests import test_review_session19_origin as session19
from outings.notifications.tests.test_review_session19_origin import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
SITE = b"outings.example.org"
application = SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))


def opens(origin: bytes, cookie: tuple[bytes, bytes]) -> bool:
    return session19.opens(origin, SITE, cookie, app=application)


@override_settings(CSRF_TRUSTED_ORIGINS=["https://*.example.org"])
def test_a_wildcard_trusted_origin_opens_a_socket_as_it_may_post_a_form(guest):
    cookie = session_cookie(guest)

    assert opens(b"https://shop.example.org", cookie) is True
    assert opens(b"https://a.b.example.org", cookie) is True
    assert opens(b"https://example.org", cookie) is True  # as is_same_domain has it


@override_settings(CSRF_TRUSTED_ORIGINS=["https://*.example.org"])
def test_a_wildcard_trusted_origin_trusts_no_other_scheme_port_or_domain(guest):
    cookie = session_cookie(guest)

    assert opens(b"http://shop.example.org", cookie) is False
    assert opens(b"https://shop.example.org:8443", cookie) is False
    assert opens(b"https://example.org.evil", cookie) is False
    assert opens(b"https://evilexample.org", cookie) is False
    assert opens(b"null", cookie) is False
