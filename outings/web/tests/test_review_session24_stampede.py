"""A page's key changes with every write it depends on (the home page and explore with every
booking anywhere: the catalogue version) and with its time window, and every anonymous visitor
who came before the new key was filled rendered the page for themselves: at the moment a hot
page's key turned, each concurrent visitor ran its queries and its template (the home page
35 ms of server CPU, docs/benchmarks.md), all to store the same bytes. Now one render fills a
key; the other visitors of that moment wait for it (at most RENDER_WAIT_SECONDS, then render for
themselves) and are served what it stored."""

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.common import pagecache
from outings.common.pagecache import cached_page
from outings.common.tests.connections import in_thread

VISITORS = 8


@pytest.fixture
def listing(transactional_db: None) -> Listing:
    listing = ListingFactory.create(title="Harbour walk", city="Toronto")
    SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=3))
    return listing


def _at_once(path: str) -> tuple[list[Any], list[str]]:
    """`VISITORS` anonymous visitors of `path` at the same moment, each in a thread of its own
    with its own database connection; what each got, and the templates rendered meanwhile."""
    rendered: list[str] = []
    lock = threading.Lock()

    def note(sender: object, template: Any, **kwargs: object) -> None:
        with lock:
            rendered.append(template.name)

    start = threading.Barrier(VISITORS)
    outcome: dict[str, Any] = {}

    def visit() -> Any:
        client = Client()
        start.wait()
        return client.get(path)

    template_rendered.connect(note)
    try:
        threads = [in_thread(outcome, str(n), visit) for n in range(VISITORS)]
        for thread in threads:
            thread.join(30)
    finally:
        template_rendered.disconnect(note)
    return [outcome[str(n)] for n in range(VISITORS)], rendered


@pytest.mark.usefixtures("one_window")
@pytest.mark.parametrize(
    ("name", "template"), [("home", "web/home.html"), ("listing", "web/listing_detail.html")]
)
def test_visitors_of_a_new_key_at_the_same_moment_are_served_one_render(
    listing, name, template, monkeypatch
):
    # What is checked is that the others wait for the one render, not how long they would wait:
    # a first render slower than RENDER_WAIT_SECONDS on a loaded machine (a cold process, eight
    # threads) let a waiter render for itself (2 renders, seen once in a run of this session).
    monkeypatch.setattr(pagecache, "RENDER_WAIT_SECONDS", 30.0)
    path = reverse("web:listing", kwargs={"pk": listing.pk}) if name == "listing" else "/"

    responses, rendered = _at_once(path)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * VISITORS
    assert len({r.content for r in responses}) == 1
    assert "Harbour walk" in responses[0].content.decode()
    assert rendered.count(template) == 1, rendered.count(template)
    for response in responses:
        assert response["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
def test_a_render_that_is_not_stored_lets_the_next_visitor_render_at_once(monkeypatch):
    """The control: a page that is not stored (a 404, a cookie set) leaves no one waiting for
    it, and the key is free again once its render is done, also when it failed."""
    monkeypatch.setattr(pagecache, "RENDER_WAIT_SECONDS", 30.0)
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    calls: list[int] = []

    def not_found() -> HttpResponse:
        calls.append(1)
        return HttpResponse("gone", status=404)

    def failing() -> HttpResponse:
        raise RuntimeError("render failed")

    began = time.monotonic()
    for _ in range(3):
        assert cached_page(request, not_found, versions=(1,), timeout=60).status_code == 404
    with pytest.raises(RuntimeError):
        cached_page(request, failing, versions=(2,), timeout=60)
    render: Callable[[], HttpResponse] = lambda: HttpResponse("page")  # noqa: E731
    assert cached_page(request, render, versions=(2,), timeout=60).content == b"page"
    assert len(calls) == 3
    assert time.monotonic() - began < 5  # nobody waited for a page that was never coming
