import pytest
from allauth.account.models import EmailAddress

from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


def test_the_admin_login_page_sends_visitors_to_the_sites_login(client):
    response = client.get("/admin/login/?next=/admin/hosting/listingreview/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fhosting%2Flistingreview%2F"


def test_staff_sign_in_on_the_sites_login_and_reach_the_admin(client):
    staff = UserFactory.create(email="staff@example.org", password=PASSWORD, is_staff=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)

    login = client.post(
        "/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )

    assert login["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_a_signed_in_guest_is_refused_at_the_admin_login(client):
    client.force_login(UserFactory.create())

    assert client.get("/admin/login/").status_code == 403
