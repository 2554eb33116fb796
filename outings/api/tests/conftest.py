from collections.abc import Callable
from typing import Any

import pytest

from outings.accounts import services as account_services
from outings.accounts.models import User
from outings.catalog.tests.factories import HostProfileFactory, UserFactory


@pytest.fixture
def token_for() -> Callable[[User], str]:
    def issue(user: User) -> str:
        return account_services.create_api_token(user=user, name="tests").secret

    return issue


@pytest.fixture
def guest(db: Any) -> User:
    return UserFactory.create(username="guest")


@pytest.fixture
def guest_token(guest: User, token_for: Callable[[User], str]) -> str:
    return token_for(guest)


@pytest.fixture
def host_user(db: Any) -> User:
    return HostProfileFactory.create(user__username="host").user
