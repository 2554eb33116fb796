"""Review (session 20): User.email was unique as typed, so `Bee@Example.org` (made in the admin,
by createsuperuser or a script) and `bee@example.org` (allauth, which keeps every address in
lower case) could sit on two accounts; and mail to an address found its reader by an exact match
(adapter.reader_language) where transfers match it in any case. An address is kept in lower case
now, as allauth keeps it, a case-insensitive unique constraint backs it, and every lookup agrees
(accounts migration 0009)."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection
from django.test import Client

from outings.accounts.adapter import reader_language
from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
MIGRATION = "outings.accounts.migrations.0009_user_email_case_insensitive"


def test_an_address_is_kept_in_lower_case_whoever_makes_the_account():
    user = User.objects.create_user(username="bee", email="Bee@Example.org", password=PASSWORD)

    user.refresh_from_db()
    assert user.email == "bee@example.org"


def test_the_database_refuses_a_second_account_with_the_address_in_another_case():
    UserFactory.create(email="bee@example.org")
    other = UserFactory.create(email="other@example.org")

    with pytest.raises(IntegrityError):
        User.objects.filter(pk=other.pk).update(email="Bee@Example.org")


def test_the_admin_refuses_an_address_taken_in_another_case_and_makes_nothing():
    UserFactory.create(email="bee@example.org")
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "bee2",
            "email": "Bee@Example.org",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "User with this Email address already exists." in response.content.decode()
    assert not User.objects.filter(username="bee2").exists()


def test_account_mail_finds_its_reader_in_any_case():
    UserFactory.create(email="bee@example.org", preferred_language="de")

    assert reader_language("Bee@Example.org", None) == "de"


def test_the_migration_lowers_the_addresses_kept_in_another_case():
    user = UserFactory.create(email="kim@example.org")
    User.objects.filter(pk=user.pk).update(email="Kim@Example.org")  # as before this migration
    migration = importlib.import_module(MIGRATION)

    migration.lower_addresses(apps, connection.schema_editor())

    user.refresh_from_db()
    assert user.email == "kim@example.org"


def test_the_migration_names_the_accounts_that_share_an_address_and_changes_nothing():
    first = UserFactory.create(email="bee@example.org")
    second = UserFactory.create(email="other@example.org")
    third = UserFactory.create(email="Mixed@example.org")
    with connection.schema_editor() as editor:  # as before this migration
        editor.remove_constraint(User, User._meta.constraints[0])
    User.objects.filter(pk=second.pk).update(email="Bee@Example.org")
    User.objects.filter(pk=third.pk).update(email="Mixed@example.org")
    migration = importlib.import_module(MIGRATION)

    with pytest.raises(RuntimeError) as refused:
        migration.lower_addresses(apps, connection.schema_editor())

    assert f"bee@example.org: accounts {first.pk}, {second.pk}" in str(refused.value)
    assert User.objects.get(pk=third.pk).email == "Mixed@example.org"
