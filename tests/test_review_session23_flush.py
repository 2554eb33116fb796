"""The flush that ends a transactional test (conftest._flush_by_delete) keeps the content types
and permissions, without sending post_migrate, only while they are as post_migrate left them;
when a test changed them, or post_migrate reaches another receiver, or the flush sends no
post_migrate, they are emptied and made again as Django does. Each test calls the flush as
TransactionTestCase's teardown does."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def flush(*, inhibit_post_migrate: bool = False) -> list[str]:
    """Django's flush as a transactional test's teardown runs it; the statements it sent."""
    with CaptureQueriesContext(connection) as queries:
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            database="default",
            reset_sequences=False,
            allow_cascade=False,
            inhibit_post_migrate=inhibit_post_migrate,
        )
    return [query["sql"] for query in queries.captured_queries]


def permissions() -> set[tuple[str, str, str, str]]:
    return set(
        Permission.objects.values_list(
            "content_type__app_label", "content_type__model", "codename", "name"
        )
    )


def rows() -> list[tuple[Any, ...]]:
    """Every content type and permission, with its id."""
    return [
        *ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"),
        *Permission.objects.order_by("pk").values_list("pk", "content_type", "codename", "name"),
    ]


@pytest.fixture
def made_by_post_migrate() -> set[tuple[str, str, str, str]]:
    """The permissions as post_migrate makes them, checked to be complete."""
    made = permissions()
    assert ("auth", "permission", "change_permission", "Can change permission") in made
    assert len(made) == 4 * ContentType.objects.count()
    return made


@pytest.fixture
def another_receiver() -> Iterator[list[str]]:
    """A post_migrate receiver besides contenttypes' and auth's; the apps it was sent for."""
    sent: list[str] = []

    def receiver(app_config: Any, **kwargs: Any) -> None:
        sent.append(app_config.label)

    post_migrate.connect(receiver, weak=False, dispatch_uid="session23-another-receiver")
    yield sent
    post_migrate.disconnect(dispatch_uid="session23-another-receiver")


def test_a_flush_keeps_them_and_sends_no_post_migrate_when_they_are_as_it_left_them(
    made_by_post_migrate: set[tuple[str, str, str, str]],
) -> None:
    UserFactory.create(username="ana")
    before = rows()

    sent = flush()

    assert rows() == before  # the same rows: not emptied and made again
    assert permissions() == made_by_post_migrate
    assert not [sql for sql in sent if "auth_permission" in sql and "md5" not in sql]
    assert 'DELETE FROM "accounts_user"' in sent  # the rest is emptied as before
    assert not UserFactory._meta.model.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        "remove a permission",
        "rename a permission",
        "add a permission",
        "remove a content type",
    ],
)
def test_a_flush_makes_them_again_after_a_test_changed_them(
    change: str, made_by_post_migrate: set[tuple[str, str, str, str]]
) -> None:
    view_user = Permission.objects.get(codename="view_user")
    if change == "remove a permission":
        view_user.delete()
    elif change == "rename a permission":
        Permission.objects.filter(pk=view_user.pk).update(name="Can look at a user")
    elif change == "add a permission":
        Permission.objects.create(
            codename="audit_user", name="Can audit a user", content_type=view_user.content_type
        )
    else:
        ContentType.objects.get_for_model(Permission).delete()  # its four permissions with it
    changed = rows()

    flush()

    assert permissions() == made_by_post_migrate
    assert not set(rows()) & set(changed)  # every row new: emptied and made again


def test_a_flush_sends_post_migrate_when_it_reaches_another_receiver(
    made_by_post_migrate: set[tuple[str, str, str, str]], another_receiver: list[str]
) -> None:
    flush()

    assert "accounts" in another_receiver
    assert permissions() == made_by_post_migrate


def test_a_flush_without_post_migrate_empties_them_too() -> None:
    flush(inhibit_post_migrate=True)

    assert not ContentType.objects.exists()
    assert not Permission.objects.exists()


def test_the_flush_after_a_flush_without_post_migrate_makes_them_again(
    made_by_post_migrate: set[tuple[str, str, str, str]],
) -> None:
    flush(inhibit_post_migrate=True)

    flush()

    assert permissions() == made_by_post_migrate
