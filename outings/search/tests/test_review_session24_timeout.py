"""Review, session 24: a search that runs out of time (the statement timeout) on the German
explore page said "The search took too long. Try fewer words or filters." in English: the view
showed the error's message as the code writes it, untranslated (gettext_noop), where the API
looks it up in the active language. Now the page says it in the page's language."""

import pytest
from django.test import Client

from outings.search import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every search outlasts a statement timeout of 1 ms, in PostgreSQL itself."""
    monkeypatch.setattr(engine, "STATEMENT_TIMEOUT_MS", 1)
    monkeypatch.setattr(
        engine,
        "_set_up",
        lambda cursor, currency, cities: cursor.execute("SELECT pg_sleep(0.05)") or (2, 1, ()),
    )


@pytest.mark.usefixtures("slow")
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Die Suche hat zu lange gedauert. Versuche es mit weniger Wörtern oder Filtern."),
        ("en", "The search took too long. Try fewer words or filters."),
    ],
)
def test_a_search_out_of_time_is_told_in_the_pages_language(
    rates: None, language: str, message: str
) -> None:
    page = Client().get("/explore/", {"q": "tour"}, HTTP_ACCEPT_LANGUAGE=language)
    api = Client().get("/api/v1/search", {"q": "tour"}, HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 503
    assert page.context["problems"] == [message]
    assert message in page.content.decode()
    assert api.status_code == 503
    assert api.json()["error"]["message"] == message


@pytest.mark.usefixtures("slow")
def test_a_search_out_of_time_in_htmx_is_told_in_the_pages_language(rates: None) -> None:
    page = Client().get(
        "/explore/", {"q": "walk"}, HTTP_ACCEPT_LANGUAGE="de", HTTP_HX_REQUEST="true"
    )

    assert page.status_code == 503
    assert "Die Suche hat zu lange gedauert." in page.content.decode()
