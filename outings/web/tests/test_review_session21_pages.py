"""Review (session 21): "Show more" on the list of things to do with a broken page link."""

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_show_more_with_a_broken_page_link_answers_the_pager_saying_so():
    """htmx swaps in no 400 by default, and the full "page link not valid" page it got was
    dropped: the button did nothing. It now gets the pager alone (out of band), saying so, with
    the first page of the same filters; nothing is added to the cards."""
    response = Client().get("/things-to-do/?category=tours&after=not-a-cursor", headers=HTMX)

    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body
    assert body.startswith('<nav id="pager" class="pager"')
    assert 'hx-swap-oob="true"' in body
    assert 'role="alert"' in body
    assert "The link to this page of results is broken or out of date." in body
    assert 'href="?category=tours"' in body


def test_the_list_lets_htmx_swap_in_a_400_and_no_other_error():
    page = Client().get("/things-to-do/").content.decode()

    found = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert found is not None
    config = json.loads(found[1])

    assert config["responseHandling"] == [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "400", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ]


def test_a_broken_page_link_followed_is_still_the_whole_page_saying_so():
    response = Client().get("/things-to-do/?after=not-a-cursor")

    assert response.status_code == 400
    assert "This page link is not valid" in response.content.decode()
    assert "<html" in response.content.decode()
