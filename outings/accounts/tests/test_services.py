import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from outings.accounts import services
from outings.accounts.models import ApiToken, User
from outings.accounts.selectors import active_api_tokens, profile_version
from outings.common.errors import NotFound

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def user() -> User:
    return User.objects.create_user(username="ada", email="ada@example.org", first_name="Ada")


@pytest.fixture
def stranger() -> User:
    return User.objects.create_user(username="eve", email="eve@example.org")


def test_creating_a_token_stores_its_hash_and_a_display_prefix(user):
    issued = services.create_api_token(user=user, name="laptop")

    token = ApiToken.objects.get()
    assert issued.token == token
    assert services.TOKEN_PATTERN.match(issued.secret)
    assert token.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert token.prefix == issued.secret[:12]
    assert (token.user, token.name, token.revoked_at, token.last_used_at) == (
        user,
        "laptop",
        None,
        None,
    )


def test_two_tokens_never_share_a_secret(user):
    first = services.create_api_token(user=user, name="a")
    second = services.create_api_token(user=user, name="b")

    assert first.secret != second.secret


def test_creating_refuses_past_the_cap_and_creates_nothing(user):
    for index in range(services.MAX_ACTIVE_TOKENS):
        services.create_api_token(user=user, name=f"t{index}")

    with pytest.raises(services.TooManyTokens):
        services.create_api_token(user=user, name="one more")

    assert ApiToken.objects.filter(user=user).count() == services.MAX_ACTIVE_TOKENS


def test_a_token_authenticates_its_user_and_records_its_use(user):
    secret = services.create_api_token(user=user, name="a").secret

    token = services.authenticate_api_token(secret=secret, now=NOW)

    assert token is not None
    assert token.user == user
    assert ApiToken.objects.get().last_used_at == NOW


def test_use_is_recorded_at_most_once_a_minute(user):
    secret = services.create_api_token(user=user, name="a").secret
    services.authenticate_api_token(secret=secret, now=NOW)

    services.authenticate_api_token(secret=secret, now=NOW + timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == NOW
    services.authenticate_api_token(secret=secret, now=NOW + timedelta(minutes=2))
    assert ApiToken.objects.get().last_used_at == NOW + timedelta(minutes=2)


@pytest.mark.parametrize("secret", ["", "out_", "nope", "out_" + "!" * 43, "x" * 1000])
def test_a_malformed_secret_authenticates_nobody(user, secret, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.authenticate_api_token(secret=secret, now=NOW) is None


def test_a_revoked_token_or_inactive_user_authenticates_nobody(user, stranger):
    revoked = services.create_api_token(user=user, name="a")
    services.revoke_api_token(user=user, token_id=revoked.token.pk, now=NOW)
    inactive = services.create_api_token(user=stranger, name="b")
    User.objects.filter(pk=stranger.pk).update(is_active=False)

    assert services.authenticate_api_token(secret=revoked.secret, now=NOW) is None
    assert services.authenticate_api_token(secret=inactive.secret, now=NOW) is None


def test_revoking_another_users_token_is_not_found_and_changes_nothing(user, stranger):
    theirs = services.create_api_token(user=stranger, name="theirs").token

    with pytest.raises(NotFound):
        services.revoke_api_token(user=user, token_id=theirs.pk, now=NOW)

    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_twice_is_not_found_the_second_time(user):
    token = services.create_api_token(user=user, name="a").token
    services.revoke_api_token(user=user, token_id=token.pk, now=NOW)

    with pytest.raises(NotFound):
        services.revoke_api_token(user=user, token_id=token.pk, now=NOW)


def test_active_tokens_are_the_users_own_unrevoked_ones_newest_first(user, stranger):
    old = services.create_api_token(user=user, name="old").token
    new = services.create_api_token(user=user, name="new").token
    gone = services.create_api_token(user=user, name="gone").token
    services.revoke_api_token(user=user, token_id=gone.pk, now=NOW)
    services.create_api_token(user=stranger, name="theirs")

    assert list(active_api_tokens(user=user)) == [new, old]


def test_updating_the_profile_changes_the_given_fields_only(user):
    updated = services.update_profile(user_id=user.pk, time_zone="Asia/Tokyo", last_name="")

    user.refresh_from_db()
    assert updated == user
    assert (user.first_name, user.last_name, user.time_zone) == ("Ada", "", "Asia/Tokyo")


def test_updating_with_the_current_version_goes_through(user):
    version = profile_version(user=user)

    services.update_profile(user_id=user.pk, first_name="Grace", expected_versions={version})

    user.refresh_from_db()
    assert user.first_name == "Grace"
    assert profile_version(user=user) != version


def test_updating_with_a_stale_version_is_refused_and_changes_nothing(user):
    with pytest.raises(services.ProfileConflict):
        services.update_profile(user_id=user.pk, first_name="Grace", expected_versions={"old"})

    user.refresh_from_db()
    assert user.first_name == "Ada"


@pytest.mark.parametrize(
    ("field", "value"), [("time_zone", "Nowhere/Special"), ("preferred_language", "tlh")]
)
def test_updating_refuses_unknown_zones_and_languages(user, field, value):
    with pytest.raises(services.InvalidProfile) as raised:
        services.update_profile(user_id=user.pk, **{field: value})

    assert list(raised.value.fields) == [field]
    user.refresh_from_db()
    assert (user.time_zone, user.preferred_language) == ("UTC", "")
