"""Writes to accounts: API tokens and the profile a user edits about themselves."""

import hashlib
import re
import secrets
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from outings.accounts.models import ApiToken, User
from outings.accounts.selectors import profile_version
from outings.common.errors import DomainError, NotFound

TOKEN_PREFIX = "out_"  # noqa: S105 - a public marker, not a secret
# token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"^out_[A-Za-z0-9_-]{43}$")
DISPLAY_PREFIX_LENGTH = 12  # "out_" and 8 random characters: 48 of 256 bits, not a secret
MAX_ACTIVE_TOKENS = 50
# Writing last_used_at on every request would turn each read into a write; once a minute is
# precise enough to tell a user which token is still in use.
LAST_USED_PRECISION = timedelta(minutes=1)


class TooManyTokens(DomainError):
    code = "too_many_tokens"
    status_code = 409
    message = f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first."


class InvalidProfile(DomainError):
    code = "validation_error"
    status_code = 400
    message = "The profile is not valid."


class StaleVersion(DomainError):
    code = "precondition_failed"
    status_code = 412
    message = "The record changed since you read it; fetch it again and retry."


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, with its secret: the only moment the secret exists in clear."""

    token: ApiToken
    secret: str


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str) -> IssuedToken:
    """Issue a personal token. The caller shows `secret` once; only its digest is stored.
    The user row is locked so that concurrent creations cannot pass the cap together."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        digest=digest_of(secret),
    )
    return IssuedToken(token=token, secret=secret)


def revoke_api_token(*, user: User, token_id: int, now: datetime) -> None:
    """Revoke one of the user's own tokens. Another user's token, or one already revoked, is
    not found: the answer never tells whether someone else's token exists."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if not revoked:
        raise NotFound()


def authenticate_api_token(*, secret: str, now: datetime) -> ApiToken | None:
    """The active token with this secret, with its user loaded, or None. Malformed secrets are
    refused before any query. Records the use at most once per LAST_USED_PRECISION."""
    if not TOKEN_PATTERN.match(secret):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_time_zones() -> frozenset[str]:
    """The IANA zone names a user may choose."""
    return _time_zones()


def valid_languages() -> frozenset[str]:
    """Language codes a user may prefer; the empty string means "follow the browser"."""
    return frozenset({"", *(code for code, _name in settings.LANGUAGES)})


@transaction.atomic
def update_profile(
    *,
    user_id: int,
    first_name: str | None = None,
    last_name: str | None = None,
    preferred_language: str | None = None,
    time_zone: str | None = None,
    expected_versions: Collection[str] | None = None,
) -> User:
    """Change the given fields (None leaves a field as it is). With `expected_versions`, the
    write happens only if the current `profile_version` is one of them, checked under the row
    lock, so two editors holding the same version cannot both win."""
    user = User.objects.select_for_update().get(pk=user_id)
    if expected_versions is not None and profile_version(user=user) not in expected_versions:
        raise StaleVersion()
    errors: dict[str, list[str]] = {}
    if preferred_language is not None and preferred_language not in valid_languages():
        errors["preferred_language"] = ["Not a supported language."]
    if time_zone is not None and time_zone not in valid_time_zones():
        errors["time_zone"] = ["Not an IANA time zone."]
    if errors:
        raise InvalidProfile(fields=errors)
    changed: list[str] = []
    for field, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("preferred_language", preferred_language),
        ("time_zone", time_zone),
    ):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    return user
