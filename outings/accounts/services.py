"""Writes to accounts: API tokens and the profile a user edits about themselves."""

import hashlib
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from allauth.account import app_settings as allauth_settings
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from outings.accounts.handlers import HOST_OFF_SITE
from outings.accounts.models import ApiToken, HostProfile, User
from outings.accounts.selectors import host_profile_version, profile_version
from outings.catalog import events as catalog_events
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.photos.images import clean_upload
from outings.catalog.photos.services import DELETE_FILES_KIND, store_clean_image
from outings.catalog.services import LANGUAGE_CODES, StaffOnly, ensure_active
from outings.common import outbox
from outings.common.errors import DomainError, NotFound, StaleVersion, VersionCondition
from outings.common.rows import Columns, attach
from outings.common.zones import known_zones
from outings.notifications import live
from outings.notifications.models import Notification
from outings.notifications.services import notify

TOKEN_PREFIX = "out_"  # noqa: S105 - a public marker, not a secret
# token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"^out_[A-Za-z0-9_-]{43}$")
DISPLAY_PREFIX_LENGTH = 12  # "out_" and 8 random characters: 48 of 256 bits, not a secret
MAX_ACTIVE_TOKENS = 50
# What staff need to suspend or reinstate a host: the "change" permission of the admin's "Host
# moderation" (hosting.HostModeration, the admin action asks for it); being staff only lets them
# into the admin.
MODERATE_HOSTS = "hosting.change_hostmoderation"
# What a one-line name (a person's, a host's public one, a city) must not hold: control
# characters (a new line, a tab), the line and paragraph separators, and the bidirectional
# embeddings, overrides and isolates. Such a name is written into mail others read (a guest's in
# the host's notice and in a transfer offer to any address): a line break put a paragraph of
# its owner's choosing there, an override turned the rest of its line around. A zero-width
# (non-)joiner stays allowed: Persian and Indic names need them.
NOT_IN_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
ONE_LINE = gettext_noop("One line of text, without control characters.")
# Writing last_used_at on every request would turn each read into a write; once a minute is
# precise enough to tell a user which token is still in use.
LAST_USED_PRECISION = timedelta(minutes=1)


class TooManyTokens(DomainError):
    code = "too_many_tokens"
    status_code = 409
    message = gettext_noop("You have too many active tokens; revoke one first.")


class InvalidToken(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The token is not valid.")


class ReauthenticationRequired(DomainError):
    """A token asked for with a session that has not given the password lately (ADR 0011).
    Its message names the window allauth allows (`reauthentication_window_message`), or, to a
    user who has no usable password to give, where to set one (NO_PASSWORD_MESSAGE)."""

    code = "reauthentication_required"
    status_code = 403
    message = gettext_noop(
        "Creating a token needs your password: enter it at /accounts/reauthenticate/, then "
        "try again."
    )

    def __init__(self, *, has_password: bool = True) -> None:
        super().__init__(reauthentication_window_message() if has_password else _(NO_PASSWORD))


NO_PASSWORD = gettext_noop(
    "Creating a token needs a password, and your account has none: set one at "
    "/accounts/password/set/, then enter it at /accounts/reauthenticate/ and try again."
)


def reauthentication_window_message() -> str:
    """The refusal of ReauthenticationRequired in the active language, naming the window in
    which the password counts: allauth's ACCOUNT_REAUTHENTICATION_TIMEOUT (seconds; 300 unless
    set), in whole minutes when it is some, else in seconds."""
    seconds = allauth_settings.REAUTHENTICATION_TIMEOUT
    if seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext(
            "Creating a token needs your password: enter it at /accounts/reauthenticate/, "
            "then try again within %(n)s minute.",
            "Creating a token needs your password: enter it at /accounts/reauthenticate/, "
            "then try again within %(n)s minutes.",
            minutes,
        ) % {"n": minutes}
    return ngettext(
        "Creating a token needs your password: enter it at /accounts/reauthenticate/, "
        "then try again within %(n)s second.",
        "Creating a token needs your password: enter it at /accounts/reauthenticate/, "
        "then try again within %(n)s seconds.",
        seconds,
    ) % {"n": seconds}


class InvalidProfile(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The profile is not valid.")


class ProfileConflict(StaleVersion):
    """An edit of the profile based on an old version of it (`profile_version`). `current` is
    the user as they are now. The API asks for the version in If-Match only, so it answers 412
    (outings.api.routes.me)."""

    message = gettext_noop("Your profile was changed since you opened it.")

    def __init__(self, *, current: User) -> None:
        super().__init__()
        self.current = current


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, with its secret: the only moment the secret exists in clear."""

    token: ApiToken
    secret: str


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class MintingTokenRevoked(DomainError):
    """The token a new token is created with was revoked since it authenticated the request
    (its owner pressed "Revoke all tokens" meanwhile): it may create nothing any more."""

    code = "unauthorized"
    status_code = 401
    message = gettext_noop("The token is not valid or has been revoked.")


@transaction.atomic
def create_api_token(*, user: User, name: str, minted_with: ApiToken | None = None) -> IssuedToken:
    """Issue a personal token. The caller shows `secret` once; only its digest is stored.
    The user row is locked so that concurrent creations cannot pass the cap together: FOR NO
    KEY UPDATE (no key changes), which rows referring to the user (a booking) do not wait for.
    `minted_with`, the token the request authenticated with (None for the session), must still
    be active under that lock (MintingTokenRevoked), which revoke_all_api_tokens takes too:
    until session 24 a token revoked while it minted one left that one active, a credential
    outliving the revocation its owner had asked for.
    The name is kept without surrounding spaces; one that is blank or too long is refused
    (InvalidToken), as the page's form refuses it, and so is one of more than one line or with
    a control character or a bidirectional override (NOT_IN_A_NAME): a label its owner tells
    tokens apart by, in lists a name like "\u202eevil" turned around ("live")."""
    name = name.strip()
    limit = ApiToken._meta.get_field("name").max_length or 0
    if not name:
        raise InvalidToken(fields={"name": [_("This field is required.")]})
    if len(name) > limit:
        raise InvalidToken(fields={"name": [_("At most %(n)s characters.") % {"n": limit}]})
    if NOT_IN_A_NAME.search(name):
        raise InvalidToken(fields={"name": [_(ONE_LINE)]})
    _lock_tokens_of(user)
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if minted_with is not None and not active.filter(pk=minted_with.pk).exists():
        raise MintingTokenRevoked()
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(
            _("You already have %(n)s active tokens; revoke one first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        digest=digest_of(secret),
    )
    return IssuedToken(token=token, secret=secret)


class TokenAlreadyRevoked(NotFound):
    """The user's own token, revoked already (a second tab, a double click): not found as
    before for the API, which the page tells apart to say so."""


def revoke_api_token(*, user: User, token_id: int, now: datetime) -> None:
    """Revoke one of the user's own tokens. Another user's token, or one already revoked, is
    not found: the answer never tells whether someone else's token exists (TokenAlreadyRevoked,
    a NotFound, for the user's own revoked one)."""
    mine = ApiToken.objects.filter(pk=token_id, user=user)
    if not mine.filter(revoked_at__isnull=True).update(revoked_at=now):
        raise TokenAlreadyRevoked() if mine.exists() else NotFound()


@transaction.atomic
def revoke_all_api_tokens(*, user: User, now: datetime) -> int:
    """Revoke every active token of the user (a lost laptop, a session that may have been
    stolen); how many were revoked. Each stops working at once. Takes the lock a creation
    holds (create_api_token), so that a token being created meanwhile is revoked too: the
    UPDATE, run once it is committed, sees it."""
    _lock_tokens_of(user)
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


def _lock_tokens_of(user: User) -> None:
    """Serialise the writes on a user's set of tokens (creating one, revoking them all) by the
    user's row: FOR NO KEY UPDATE, which rows referring to the user do not wait for. Call inside
    a transaction."""
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()


def authenticate_api_token(*, secret: str, now: datetime) -> ApiToken | None:
    """The active token with this secret, with its user loaded, or None. Malformed secrets are
    refused before any query. Records the use at most once per LAST_USED_PRECISION."""
    if not TOKEN_PATTERN.match(secret):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [digest_of(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user = _TOKEN.load(row), _USER.load(row, _TOKEN.width)
    attach(token, "user", user)
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# Every API request authenticates: its statement is written once (outings/common/rows.py).
_TOKEN, _USER = Columns(ApiToken, "t"), Columns(User, "u")
_TOKEN_SQL = f"""
    SELECT {_TOKEN.sql}, {_USER.sql} FROM {_TOKEN.table} t JOIN {_USER.table} u ON u.id = t.user_id
    WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active
"""  # noqa: S608 - tables and columns from the models, the value as a parameter


def valid_time_zones() -> frozenset[str]:
    """The IANA zone names a user may choose: those the pages and mails accept (common.zones)."""
    return known_zones()


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
    expected_versions: Collection[str] | VersionCondition[str] | None = None,
) -> User:
    """Change the given fields (None leaves a field as it is). With `expected_versions`, the
    write happens only if the current `profile_version` is one of them (or, a condition, holds
    for it: If-None-Match too), checked under the row lock, so two editors holding the same
    version cannot both win (ProfileConflict). No field here is a key: the row is locked FOR NO
    KEY UPDATE, which rows referring to the user (a booking) do not wait for."""
    user = User.objects.select_for_update(no_key=True).get(pk=user_id)
    if expected_versions is not None:
        condition = (
            expected_versions
            if isinstance(expected_versions, VersionCondition)
            else VersionCondition(any_of=frozenset(expected_versions), none_of=frozenset())
        )
        if not condition.holds(profile_version(user=user)):
            raise ProfileConflict(current=user)
    errors: dict[str, list[str]] = {}
    if preferred_language is not None and preferred_language not in valid_languages():
        errors["preferred_language"] = [_("Not a supported language.")]
    if time_zone is not None and time_zone not in valid_time_zones():
        errors["time_zone"] = [_("Not an IANA time zone.")]
    for field, name in (("first_name", first_name), ("last_name", last_name)):
        if name is not None and NOT_IN_A_NAME.search(name):
            errors[field] = [_(ONE_LINE)]
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


# --- Hosting (issue 4) ----------------------------------------------------------------------


class InvalidHostProfile(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The host profile is not valid.")


@dataclass(frozen=True, kw_only=True)
class HostProfileData:
    display_name: str
    bio: str = ""
    city: str = ""
    languages: Sequence[str] = ()


def _clean_host_profile(data: HostProfileData) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    for name, limit, required in (
        ("display_name", 120, True),
        ("bio", 4000, False),
        ("city", 120, False),
    ):
        text = str(getattr(data, name)).strip()
        if required and not text:
            errors.setdefault(name, []).append(_("This field is required."))
        if len(text) > limit or "\x00" in text:
            errors.setdefault(name, []).append(_("At most %(n)s characters.") % {"n": limit})
        elif name != "bio" and NOT_IN_A_NAME.search(text):
            errors.setdefault(name, []).append(_(ONE_LINE))
        values[name] = text
    languages = list(dict.fromkeys(code.strip().lower() for code in data.languages if code.strip()))
    if len(languages) > 10 or not set(languages) <= LANGUAGE_CODES:
        errors["languages"] = [_("Up to 10 two-letter ISO 639-1 codes, such as en or de.")]
    values["languages"] = languages
    if errors:
        raise InvalidHostProfile(fields=errors)
    return values


@transaction.atomic
def become_host(
    *, user: User, data: HostProfileData, photo: IO[bytes] | None = None, photo_size: int = 0
) -> HostProfile:
    """Turn hosting on: the user gets a public host profile, with the photo checked and stored
    as update_host_profile does. Idempotent: a user who is already a host keeps the profile
    they have (edit it with update_host_profile). The user's row is locked FOR NO KEY UPDATE
    against a second profile at once; rows referring to the user (a booking) do not wait."""
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    existing = HostProfile.objects.filter(user=user).first()
    if existing is not None:
        return existing
    values = _clean_host_profile(data)
    clean = clean_upload(photo, size=photo_size, max_side=800) if photo is not None else None
    host = HostProfile.objects.create(user=user, **values)
    if clean is not None:
        host.photo = store_clean_image(clean=clean, folder=f"hosts/{host.pk}")
        host.save(update_fields=["photo"])
    return host


class HostProfileConflict(StaleVersion):
    """An edit of the host profile based on an old version of it (`host_profile_version`).
    `current` is the profile as it is now."""

    message = gettext_noop("Your host profile was changed since you opened it.")

    def __init__(self, *, current: HostProfile) -> None:
        super().__init__()
        self.current = current


@transaction.atomic
def update_host_profile(
    *,
    host: HostProfile,
    data: HostProfileData,
    photo: IO[bytes] | None = None,
    photo_size: int = 0,
    expected_version: str | None = None,
) -> HostProfile:
    """Change the public profile; a new photo is checked, cropped to fit 800 px and re-encoded
    without metadata (a small portrait: done in the request). The old photo file is deleted
    after commit. A suspended host changes nothing (HostSuspended).

    With `expected_version` (`host_profile_version`), only if the profile is still at it,
    checked under the profile's row lock: of two editors holding the same version exactly one
    wins, the other gets HostProfileConflict with the profile as it is, and nothing is stored
    (a photo it carried neither). Suspension and the old photo are read under the same lock."""
    locked = HostProfile.objects.select_for_update(no_key=True).filter(pk=host.pk).first()
    if locked is None:
        raise NotFound()
    ensure_active(locked)
    if expected_version is not None and host_profile_version(host=locked) != expected_version:
        raise HostProfileConflict(current=locked)
    values = _clean_host_profile(data)
    old_photo = locked.photo.name if locked.photo else ""
    if photo is not None:
        clean = clean_upload(photo, size=photo_size, max_side=800)
        values["photo"] = store_clean_image(clean=clean, folder=f"hosts/{host.pk}")
    try:
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(values))
        if photo is not None and old_photo:
            outbox.enqueue(kind=DELETE_FILES_KIND, payload={"names": [old_photo]})
    except BaseException:
        if photo is not None:
            default_storage.delete(str(values["photo"]))
        raise
    for name, value in values.items():
        setattr(host, name, value)
    return host


class InactiveAccount(DomainError):
    """Reinstating the host of an inactive user account: an inactive account's host stays
    suspended (the database keeps it so, accounts migration 0008); staff activate the account
    first."""

    code = "inactive_account"
    status_code = 409
    message = gettext_noop(
        "This host's user account is inactive: activate the account first, then reinstate the host."
    )


@transaction.atomic
def suspend_host(*, staff: User, host_id: int, reason: str, now: datetime) -> HostProfile:
    """Staff: suspend a host. Their listings leave every public view at once
    (Listing.objects.public() filters suspended hosts); the action is audited, and the host is
    told, with staff's reason (inbox and mail, whatever their mail preferences)."""
    return _set_suspension(staff=staff, host_id=host_id, reason=reason, suspended_at=now)


@transaction.atomic
def reinstate_host(*, staff: User, host_id: int, reason: str = "") -> HostProfile:
    """Staff: lift a suspension; the host's published listings are public again, and the host
    is told (as of the suspension). The host of an inactive user account: InactiveAccount."""
    return _set_suspension(staff=staff, host_id=host_id, reason=reason, suspended_at=None)


def _set_suspension(
    *, staff: User, host_id: int, reason: str, suspended_at: datetime | None
) -> HostProfile:
    """Staff without MODERATE_HOSTS (suspend_host, reinstate_host): StaffOnly."""
    if not staff.may_as_staff(MODERATE_HOSTS):
        raise StaffOnly()
    if "\x00" in reason:  # PostgreSQL refuses it in a text
        raise InvalidHostProfile(fields={"reason": [_("Must not contain NUL characters.")]})
    # The host's row locked by a statement that reads it alone, its user (whom the notice is
    # for) read after: locked with a JOIN of the user, a profile given to another user account
    # in the admin while the lock waited dropped out of the result (PostgreSQL rechecks the
    # changed row against the user row it had read), and the suspension answered NotFound.
    host = HostProfile.objects.select_for_update().filter(pk=host_id).first()
    if host is None:
        raise NotFound()
    host.user = User.objects.get(pk=host.user_id)
    if suspended_at is None and not host.user.is_active:
        raise InactiveAccount()
    was = "suspended" if host.suspended_at else "active"
    if was == ("suspended" if suspended_at else "active"):
        # Already so (two staff acting at once, or a host selected twice): nothing changes,
        # the suspension keeps its first date and the audit no entry from a state to itself.
        return host
    _record_suspension(host=host, staff=staff, note=reason.strip(), suspended_at=suspended_at)
    notify(  # in this transaction: a suspension rolled back tells nobody
        user=host.user,
        kind=Notification.Kind.HOST_SUSPENDED
        if suspended_at
        else Notification.Kind.HOST_REINSTATED,
        data={"reason": reason.strip()} if reason.strip() else {},
        url=reverse("hosting:dashboard"),
    )
    if suspended_at is None:
        outbox.enqueue(kind=catalog_events.BOOKABLE, payload={"host": host.pk})
    else:
        _close_live_pages(host)
    return host


def _close_live_pages(host: HostProfile) -> None:
    """Close the open pages of the host's published listings after commit (live)."""
    for listing_id in host.listings.filter(status=Listing.Status.PUBLISHED).values_list(
        "pk", flat=True
    ):
        live.publish_listing_gone(listing_id)


def _record_suspension(
    *, host: HostProfile, staff: User, note: str, suspended_at: datetime | None
) -> None:
    """Set or lift the suspension of a host whose row the caller locked, audited. The caller
    closes the open pages of its listings (_close_live_pages, or the HOST_OFF_SITE message)."""
    was = "suspended" if host.suspended_at else "active"
    host.suspended_at = suspended_at
    host.save(update_fields=["suspended_at"])
    AuditEntry.objects.create(
        host=host,
        actor=staff,
        action="host_suspended" if suspended_at else "host_reinstated",
        from_status=was,
        to_status="suspended" if suspended_at else "active",
        note=note,
    )


@transaction.atomic
def suspend_host_of_deactivated_user(*, staff: User, user_id: int, now: datetime) -> None:
    """Staff set a user account inactive (the admin's user page; call before the user's row is
    written, so that this entry, naming staff, is the one recorded): its host profile, if any, is
    suspended as suspend_host does it (audited; its listings leave every public read and take no
    new hold; bookings already made stay), so that deactivation hides a host through the one
    column every public read and hold already checks. The host is not told (the account can no
    longer sign in). One already suspended keeps its suspension and date. Setting the account
    active again lifts nothing: staff reinstate the host in Host moderation. Any other write that
    sets an account inactive suspends its host in the database, audited without an actor
    (accounts migration 0008), and queues the same HOST_OFF_SITE message (0011)."""
    host = HostProfile.objects.select_for_update().filter(user_id=user_id).first()
    if host is None or host.suspended_at is not None:
        return
    _record_suspension(
        host=host,
        staff=staff,
        note=_("The user account was deactivated."),
        suspended_at=now,
    )
    # The follow-up every path that deactivates an account takes (the trigger of accounts 0011
    # queues the same message): the open pages of the host's listings are closed.
    outbox.enqueue(kind=HOST_OFF_SITE, payload={"host": host.pk})
