"""A websocket is opened only by a page of the site itself: its Origin must be the host the
browser connects to (scheme aside), or one of CSRF_TRUSTED_ORIGINS, as a form's POST must.

AllowedHostsOriginValidator compares the Origin's host name only: a page served on another
port of the same host (another service, a development server), which the browser sends the
session cookie from too (cookies are not kept apart by port, and the site is the same for
SameSite), opened the user's notifications socket and read their notices."""

import asyncio
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings

from config.asgi import application
from outings.notifications.origin import same_origin

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def opens(origin: bytes, host: bytes, cookie: tuple[bytes, bytes], app: Any = application) -> bool:
    async def scenario() -> bool:
        socket = WebsocketCommunicator(
            app, "/ws/notifications/", [(b"host", host), (b"origin", origin), cookie]
        )
        connected, _ = await socket.connect()
        if connected:
            await socket.disconnect()
        return bool(connected)

    return asyncio.run(scenario())


def test_a_page_on_another_port_of_the_same_host_cannot_open_a_socket(guest):
    cookie = session_cookie(guest)

    assert opens(b"http://testserver:8001", b"testserver", cookie) is False
    assert opens(b"http://testserver", b"testserver:8000", cookie) is False


def test_a_page_of_the_site_itself_opens_its_socket(guest):
    cookie = session_cookie(guest)

    assert opens(b"http://testserver", b"testserver", cookie) is True
    assert opens(b"https://TestServer:8443", b"testserver:8443", cookie) is True


@override_settings(CSRF_TRUSTED_ORIGINS=["https://testserver:8443"])
def test_a_trusted_origin_opens_a_socket_as_it_may_post_a_form(guest):
    cookie = session_cookie(guest)

    assert opens(b"https://testserver:8443", b"testserver", cookie) is True
    assert opens(b"https://testserver:9443", b"testserver", cookie) is False


@override_settings(CSRF_TRUSTED_ORIGINS=["https://*.example.org"])
def test_a_trusted_origin_for_subdomains_opens_a_socket_as_it_may_post_a_form() -> None:
    """Session 20: CSRF_TRUSTED_ORIGINS may name every subdomain (`https://*.example.org`), as
    Django's CsrfViewMiddleware reads it; the socket's check compared whole origins only, so a
    page of app.example.org could post its forms and not open its live updates."""
    assert same_origin("https://app.example.org", "outings.example.net") is True
    assert same_origin("https://example.org", "outings.example.net") is True
    assert same_origin("http://app.example.org", "outings.example.net") is False
    assert same_origin("https://app.example.org:8443", "outings.example.net") is False
    assert same_origin("https://example.org.evil.example", "outings.example.net") is False
    assert same_origin("https://evilexample.org", "outings.example.net") is False
