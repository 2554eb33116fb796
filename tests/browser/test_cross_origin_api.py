"""A single-page client on another origin uses the API from a real browser: Chromium enforces
CORS (preflights included), which the test client does not."""

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outings.accounts import services as account_services
from outings.catalog.tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[str]:
    """An empty page served from its own origin (another port), as a client app would be."""
    (tmp_path / "index.html").write_text("<!doctype html><title>client</title>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


FETCH = """async ([api, token, listing]) => {
    const createToken = () => fetch(`${api}/api/v1/me/tokens`, {
        method: "POST",
        headers: {
            "Authorization": `Bearer ${token}`,
            "Content-Type": "application/json",
            "Idempotency-Key": "spa-1",
        },
        body: JSON.stringify({name: "from the app"}),
    });
    const read = await fetch(`${api}/api/v1/listings/${listing}`);
    const created = await createToken();
    const replayed = await createToken();
    const refused = await fetch(`${api}/api/v1/me`, {headers: {"Authorization": "Bearer nope"}});
    return {
        read: read.status, etag: read.headers.get("ETag"), title: (await read.json()).title,
        created: created.status, name: (await created.json()).token.name,
        replayed: replayed.headers.get("Idempotent-Replayed"),
        refused: refused.status, code: (await refused.json()).error.code,
    };
}"""


def test_a_page_on_another_origin_reads_and_writes_with_a_token(
    live_server: Any, browser: Any, other_origin: str
) -> None:
    listing = ListingFactory.create(title="Harbour kayak tour")
    user = UserFactory.create()
    token = account_services.create_api_token(user=user, name="tests").secret
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    page.goto(other_origin)

    result = page.evaluate(FETCH, [live_server.url, token, listing.pk])

    assert result["read"] == 200
    assert result["etag"].startswith('"')
    assert result["title"] == "Harbour kayak tour"
    assert result["created"] == 201
    assert result["name"] == "from the app"
    assert result["replayed"] == "true"
    assert (result["refused"], result["code"]) == (401, "unauthorized")
    assert user.api_tokens.filter(name="from the app").count() == 1
