"""Pages made for a signed-in user are marked private for shared caches."""

import pytest
from django.urls import reverse

from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_users_page_is_private_to_shared_caches(client):
    client.force_login(UserFactory())

    response = client.get(reverse("bookings:mine"))

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_an_anonymous_page_is_left_to_its_view(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")


def test_a_view_that_set_its_own_cache_control_keeps_it(client):
    client.force_login(UserFactory())

    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=0, must-revalidate"
