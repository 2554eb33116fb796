"""The explore page as a guest uses it, without a browser: each test failed on the code it was
written against."""

import pytest
from django.test import Client

from outings.search.tests.test_review_explore import resubmitted

pytestmark = pytest.mark.django_db


def test_a_mistake_in_one_field_keeps_the_categories_chosen(make_listing):
    """A guest looking at kayak tours (category "tours" ticked) types 99 guests. The page
    answers 400 with what to fix, but the category checkboxes are drawn only with results, so
    the ticked "tours" is gone from the form: once the guest corrects the number, the next
    search runs over every category."""
    make_listing("Harbour kayak tour", category="tours")
    make_listing("Kayak picnic", category="food")
    client = Client()

    page = client.get("/explore/", {"q": "kayak", "category": "tours", "guests": "99"})
    assert page.status_code == 400

    assert resubmitted(page.content.decode()).get("category") == ["tours"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"currency": "XXX"}, "Währung"),
        ({"category": "nope"}, "Kategorien"),
        ({"lat": "north", "lng": "1"}, "Breitengrad"),
    ],
)
def test_a_mistake_is_named_in_the_pages_language(rates, params, field):
    """On the German page, a field the form gives no label is named by its parameter in
    English: "currency: Wähle eine gültige Option…", "category: …", "lat: Gib eine Zahl ein."
    The rest of the message is German."""
    page = Client().get("/explore/", params, HTTP_ACCEPT_LANGUAGE="de")

    assert page.status_code == 400
    [problem] = page.context["problems"]
    assert problem.startswith(f"{field}: "), problem
