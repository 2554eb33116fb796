"""What the views of signed-in users read from their request."""

from django.http import HttpRequest

from outings.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, in a view behind login_required (never AnonymousUser there)."""
    user = request.user
    assert isinstance(user, User)
    return user
