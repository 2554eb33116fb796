"""Cached pages and the release that rendered them. Page keys named the URL, language, zone,
htmx, the static files' manifest and the data's versions, not the code: a deploy that changed
templates, Python or translations but no static file kept every key, so its servers served the
old release's pages for up to their 120 s, and its cache warming found those pages and rendered
nothing new (it warmed the old release); in a rolling deploy the servers of either release read
the other's pages. The "more like this" fragment and anonymous searches (a pickled page of the
code's own classes) were kept the same way.

A new release here is what a new process does at start (the common app's `ready`) with another
`RELEASE`: the key carries it now (outings.common.release)."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.release import digest
from outings.web.warming import warm_pages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_window")]

SOON = timezone.now() + timedelta(days=3)
SEARCH_STATEMENT = "SET LOCAL statement_timeout"  # the start of every search's block
SIMILAR_STATEMENT = "tsvector_to_array"  # "more like this"


@pytest.fixture
def start_release(settings) -> Iterator[Callable[[str], None]]:
    """Start this process again as a server of the release named (what a deploy's new process
    does when its apps are ready); the process's own release again after the test."""
    before = getattr(settings, "RELEASE", "")

    def start(name: str) -> None:
        settings.RELEASE = name
        apps.get_app_config("common").ready()

    yield start
    start(before)


@pytest.fixture
def paths() -> list[str]:
    listing = ListingFactory.create(title="Harbour walk", city="Toronto")
    SlotFactory.create(listing=listing, starts_at=SOON)
    return [
        reverse("web:home"),
        reverse("search:explore"),
        reverse("web:listings"),
        reverse("web:listing", kwargs={"pk": listing.pk}),
    ]


def rendered(client, path: str) -> bool:
    """Whether the anonymous visit rendered its page (a page from the cache renders no template)."""
    response = client.get(path)
    assert response.status_code == 200
    return bool(response.templates)


def test_a_new_release_renders_each_page_anew_and_a_server_of_one_release_shares_its_pages(
    client, start_release, paths
):
    start_release("2026.12.1")
    first = [rendered(client, path) for path in paths]
    again = [rendered(client, path) for path in paths]
    start_release("2026.12.2")
    after_the_deploy = [rendered(client, path) for path in paths]
    start_release("2026.12.1")  # a server still on the old release, in a rolling deploy
    old_server = [rendered(client, path) for path in paths]
    start_release("2026.12.2")
    new_server = [rendered(client, path) for path in paths]

    assert first == [True] * 4
    assert again == [False] * 4  # the control: one release's pages are kept
    assert after_the_deploy == [True] * 4  # was [False] * 4: the old release's pages
    assert old_server == [False] * 4  # each release its own pages, from the cache
    assert new_server == [False] * 4


def test_warming_after_a_deploy_renders_the_new_releases_pages(client, start_release, paths):
    start_release("2026.12.1")
    assert warm_pages(popular=0).failed == []
    start_release("2026.12.2")
    warmed: list[str] = []

    def record(sender: object, template: object, **kwargs: object) -> None:
        warmed.append(str(getattr(template, "name", "")))

    template_rendered.connect(record)
    try:
        outcome = warm_pages(popular=0)
    finally:
        template_rendered.disconnect(record)
    after = [rendered(client, path) for path in paths[:3]]

    assert outcome.failed == []
    assert "web/home.html" in warmed  # was []: warming found the old release's pages
    assert after == [False] * 3  # the new release's, as warmed


def statements_run(
    start_release: Callable[[str], None], statement: str, visit: Callable[[], None]
) -> list[int]:
    """How many times `statement` ran, in all, after each `visit`: by a server of the old
    release, by it again, then by one of the new release."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    runs = []
    with connection.execute_wrapper(record):
        for name in ("2026.12.1", "2026.12.1", "2026.12.2"):
            start_release(name)
            visit()
            runs.append(sum(statement in sql for sql in statements))
    return runs


def test_a_new_release_renders_more_like_this_anew(client, start_release):
    listing = ListingFactory.create(title="Harbour walk tour", tags=["harbour"])
    boat = ListingFactory.create(title="Harbour boat tour", tags=["harbour"])
    SlotFactory.create(listing=boat, starts_at=SOON)
    client.force_login(UserFactory.create())
    path = reverse("web:listing", kwargs={"pk": listing.pk})

    def visit() -> None:
        assert "Harbour boat tour" in client.get(path).content.decode()

    runs = statements_run(start_release, SIMILAR_STATEMENT, visit)

    assert runs == [1, 1, 2]  # was [1, 1, 1]: the old release's fragment


def test_a_new_release_searches_anew(client, start_release):
    ListingFactory.create(title="Harbour walk tour", tags=["harbour"])

    def visit() -> None:
        assert client.get("/api/v1/search", {"q": "harbour"}).status_code == 200

    runs = statements_run(start_release, SEARCH_STATEMENT, visit)

    searched = runs[0]  # the statements of one search
    assert searched > 0
    assert runs == [searched, searched, 2 * searched]  # was [2, 2, 2]: the old release's page


def test_without_release_the_checkout_names_it_by_content_not_by_date(tmp_path: Path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "outings" / "web" / "tests").mkdir(parents=True)
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>Hello</p>")
    (tmp_path / "outings" / "web" / "views.py").write_text("x = 1\n")
    test = tmp_path / "outings" / "web" / "tests" / "test_it.py"
    test.write_text("y = 1\n")
    (tmp_path / "uv.lock").write_text("django 5.2\n")
    first = digest(tmp_path)

    page.touch()  # another checkout of the same commit: other dates, same contents
    test.write_text("y = 2\n")  # tests are no part of what a page shows
    same = digest(tmp_path)
    page.write_text("<p>Hallo</p>")
    other_template = digest(tmp_path)
    page.write_text("<p>Hello</p>")
    (tmp_path / "uv.lock").write_text("django 5.3\n")
    other_dependencies = digest(tmp_path)

    assert same == first
    assert len({first, other_template, other_dependencies}) == 3
