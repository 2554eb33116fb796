"""Headless Chromium for browser tests: Debian's `chromium` package driven by Playwright (no
browser download): `OUTINGS_CHROMIUM`, else /usr/bin/chromium (tests/browser/chromium.py, which
scripts/install-system-packages.sh reads too). Skipped when it is missing, unless
OUTINGS_REQUIRE_SERVICES=1.
`front` serves the site as the embedded profile does, websockets included.

Every page a test opens reports what the site's Content-Security-Policy made the browser refuse
(a script, a style, a request): a browser test fails on any such report, so each flow the tests
walk through (booking, offering, the explore page's map...) is also checked to work under the
policy."""

import copy
import functools
import http.server
import importlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channels_postgres import db as postgres_db
from django.db import connections
from django.test import Client

from conftest import REQUIRE_SERVICES
from outings.accounts.models import User
from outings.hosting.tests.fixtures import use_media
from tests.browser import chromium
from tests.faults.conftest import ROOT
from tests.live_gunicorn import private_channel_layers, served_database_url

CHROMIUM = chromium.executable()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


# Each refusal, handed to the test's side as it happens (a binding, which the policy cannot stop).
WATCH = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__outingsRefused(
    event.violatedDirective + " " + (event.blockedURI || "inline") + " at " +
    (event.sourceFile || event.documentURI) + ":" + event.lineNumber
  );
});
"""


class WatchedBrowser:
    """Playwright's browser whose contexts (and pages opened straight from it) record what the
    Content-Security-Policy refused, in `refused`."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.refused: list[str] = []
        self.opened: list[Any] = []  # its contexts, closed at the end of the test

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        self.opened.append(context)

        def refused(source: dict[str, Any], text: str) -> None:
            self.refused.append(f"{source['page'].url}: {text}")

        context.expose_binding("__outingsRefused", refused)
        context.add_init_script(WATCH)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def _chromium() -> Iterator[Any]:
    """One Chromium for a module's tests: starting Playwright and the browser, and closing them,
    cost ~0.7 s a test. Each test still gets contexts (cookies, storage, pages) of its own, closed
    at its end (`browser`)."""
    if not CHROMIUM.exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"{CHROMIUM} is missing but OUTINGS_REQUIRE_SERVICES=1")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the tests still talk to the
    # database directly between steps, which Django would otherwise refuse.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
            # Connections opened while Playwright's loop ran belong to that context: give them
            # back now, or the test database cannot be dropped at the end of the session.
            connections.close_all()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def browser(_chromium: Any) -> Iterator[Any]:
    watched = WatchedBrowser(_chromium)
    yield watched
    for context in watched.opened:  # what closing the browser after each test did
        context.close()
    connections.close_all()
    refused = "\n".join(watched.refused)
    assert not watched.refused, f"the Content-Security-Policy refused:\n{refused}"


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


def drag_the_map(page: Any, *, by: float) -> None:
    """Drag the explore page's map left by `by` of its width (the view moves east), as a
    visitor does with the mouse, and wait for "Search this area" to be offered."""
    box = page.locator("#map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - box["width"] * by, y, steps=10)
    page.mouse.up()
    page.wait_for_selector("#search-area:not([hidden])")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the front process exited:\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the front process did not listen within 30 s:\n{log.read_text()}")


def deployment_caches(prefix: str, var_dir: Path) -> dict[str, Any]:
    """The caches config/settings.py gives every process of a deployment whose CACHE_KEY_PREFIX
    is `prefix` and OUTINGS_VAR_DIR `var_dir`: each alias's key prefix (`prefix`, and
    `prefix:pages` for whole pages) and, for the file cache, its folder."""
    configured = importlib.import_module("config.settings")
    base = configured.CACHES["default"]["KEY_PREFIX"]  # the configured CACHE_KEY_PREFIX
    caches: dict[str, Any] = copy.deepcopy(configured.CACHES)
    for config in caches.values():
        config["KEY_PREFIX"] = prefix + config["KEY_PREFIX"].removeprefix(base)
        if "filebased" in config["BACKEND"].lower():
            config["LOCATION"] = str(
                var_dir / Path(config["LOCATION"]).relative_to(configured.VAR_DIR)
            )
    return caches


@pytest.fixture
def front(live_server: Any, settings: Any, tmp_path: Path) -> Iterator[str]:
    """The site's one address: uvicorn running config.front, websockets to Channels in that
    process, HTTP to the live server. Both processes share a prefix of their own, as one
    deployment's processes share CACHE_KEY_PREFIX: the channel layer's, and the caches', sessions
    included (with a cache of its own, the front kept a session the live server had ended, a
    logout or a new password, and its sockets went on as that session's user)."""
    prefix, settings.CHANNEL_LAYERS = private_channel_layers(settings.CHANNEL_LAYERS)
    # The live server (this process) publishes there, and reads and writes the front's cache.
    settings.CACHES = deployment_caches(prefix, tmp_path)
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
        "DATABASE_URL": served_database_url(),
        "OUTINGS_VAR_DIR": str(tmp_path),
        "OUTINGS_WSGI_UPSTREAM": f"{live_server.url}/",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "CACHE_KEY_PREFIX": prefix,
        "DB_POOL_MAX": "2",
    }
    log = tmp_path / "front.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.front:app", "--host", "127.0.0.1",
             "--port", str(port), "--lifespan", "on", "--no-access-log"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for_port(port, process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
    if postgres_db.connection_pool is not None:  # let the test database be dropped
        postgres_db.connection_pool.close()
        postgres_db.connection_pool = None
