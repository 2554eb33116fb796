"""Reads about accounts that more than one caller needs. Every read is scoped to its owner."""

import hashlib

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.db.models.functions import Lower

from outings.accounts.models import ApiToken, HostProfile, User, canonical_email


def active_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    """The caller's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-id")


def users_with_address(*, email: str) -> QuerySet[User]:
    """The account with `email`, in any case and spelling of its domain (canonical_email; at
    most one: the unique index on lower(email), which this lookup uses). Every lookup of an
    account by its address goes through here, so that none matches an address that another
    finds in another case."""
    return User.objects.annotate(address=Lower("email")).filter(address=canonical_email(email))


def address_holder(
    *, email: str, other_than: int | None = None, user_email: bool = True
) -> User | None:
    """The account other than `other_than` (a user's id) that has `email` in any case, as its
    User.email (unless `user_email` is False: the caller's form checks that index already) or
    as an address of allauth's (verified or not), or None. allauth finds an account by either
    (the log-in, "forgot your password"), so an address on two accounts would offer one
    account's reset to the address of the other's owner. allauth keeps its addresses in lower
    case (EmailAddress.clean, its forms), as the index on their email column is read."""
    others = User.objects.exclude(pk=other_than) if other_than is not None else User.objects
    if user_email:
        holder = others.filter(pk__in=users_with_address(email=email).values("pk")).first()
        if holder is not None:
            return holder
    owners = EmailAddress.objects.filter(email=canonical_email(email)).values("user_id")
    return others.filter(pk__in=owners).order_by("pk").first()


def is_own_address(*, user: User, email: str) -> bool:
    """Whether `email` (any case, any spelling that reaches the same mailbox: canonical_email)
    is `user`'s own: their User.email or a verified address of theirs (allauth's). An
    unverified one is not proven theirs: it may be someone else's. Each of theirs is made
    canonical here: addresses kept before session 22 were not rewritten, and one added as
    `ada@xn--exmple-cua.org` did not match an offer kept as `ada@exämple.org` (for a while that
    session, not even one to the spelling it was added with)."""
    address = canonical_email(email)
    if canonical_email(user.email) == address:
        return True
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return any(canonical_email(own) == address for own in verified)


def profile_version(*, user: User) -> str:
    """An opaque version of what `GET /me` shows: the fields a user edits about themselves and
    whether they host or are staff. It changes exactly when one of them changes, so it serves as
    an ETag without a version column on the user."""
    parts = (
        str(user.pk),
        user.username,
        user.email,
        user.first_name,
        user.last_name,
        user.preferred_language,
        user.time_zone,
        "host" if hasattr(user, "host_profile") else "",
        "staff" if user.is_staff else "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def host_profile_version(*, host: HostProfile) -> str:
    """An opaque version of what a host edits about their public profile (name, bio, city,
    languages, photo). It changes exactly when one of them changes, so the profile form carries
    it without a version column (as `profile_version` for the user)."""
    parts = (
        str(host.pk),
        host.display_name,
        host.bio,
        host.city,
        ",".join(host.languages),
        host.photo.name or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
