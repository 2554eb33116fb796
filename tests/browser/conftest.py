"""Headless Chromium for browser tests: Debian's `chromium` package driven by Playwright (no
browser download). Skipped when /usr/bin/chromium is missing, unless OUTINGS_REQUIRE_SERVICES=1."""

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from conftest import REQUIRE_SERVICES
from outings.accounts.models import User
from outings.hosting.tests.fixtures import use_media

CHROMIUM = Path(os.environ.get("OUTINGS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"{CHROMIUM} is missing but OUTINGS_REQUIRE_SERVICES=1")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test still talks to the
    # database directly between steps, which Django would otherwise refuse.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Connections the test opened while Playwright's loop ran belong to that context: give
        # them back now, or the test database cannot be dropped at the end of the session.
        connections.close_all()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def media_server(settings: Any, tmp_path: Path) -> Iterator[str]:
    """Media files served from their own origin, as from S3 or a CDN (the live server does not
    serve media)."""
    root = use_media(settings, tmp_path / "media")
    root.mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    settings.MEDIA_URL = url
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder: Path = ARTIFACTS / str(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def signed_in(browser: Any, user: User, url: str, **options: Any) -> Any:
    """A browser context with the user's session cookie (made here, stored in the database);
    `options` go to `new_context` (a 1280x1000 viewport unless they say otherwise)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 1000}, **options})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]
    )
    return context
