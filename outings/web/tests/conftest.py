import pytest

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory


@pytest.fixture
def staff(db: None) -> User:
    user: User = UserFactory.create(is_staff=True, is_superuser=True)
    return user
