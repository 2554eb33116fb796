import pytest

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.hosting.tests.fixtures import categories  # noqa: F401 - a fixture
from outings.search import cache as search_cache


@pytest.fixture
def staff(db: None) -> User:
    user: User = UserFactory.create(is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page-cache key in the same time window, so that no test's outcome depends on a
    window ending while it runs (a page's own window turns at an offset of its own: a test that
    expects a page from the cache could otherwise find it expired)."""
    monkeypatch.setattr(search_cache, "time_window", lambda: 1)
    monkeypatch.setattr(search_cache, "page_window", lambda key: 1)
