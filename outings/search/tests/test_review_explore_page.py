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
