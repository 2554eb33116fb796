"""What the listing services refuse, with the status and code each maps to.

Default messages stay English here (the API's JSON needs plain strings); gettext_noop puts them in
the catalogue, and the pages translate them when they show them (bookings.forms.message_of)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.common.errors import DomainError, StaleVersion


class InvalidListing(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The listing is not valid.")


class ListingConflict(StaleVersion):
    """An edit based on an old version. `current` is the listing as it is now."""

    message = gettext_noop("Someone changed this listing since you opened it.")

    def __init__(self, *, current: Listing, expected_version: int) -> None:
        super().__init__(
            _("The listing is at version %(current)s; your edit was based on version %(yours)s.")
            % {"current": current.version, "yours": expected_version},
        )
        self.current = current
        self.expected_version = expected_version


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409
    message = gettext_noop("The listing cannot make this change in its current state.")


class NotAHost(DomainError):
    code = "not_a_host"
    status_code = 403
    message = gettext_noop("Become a host first.")


class HostSuspended(DomainError):
    code = "host_suspended"
    status_code = 403
    message = gettext_noop("Your host account is suspended; contact us.")


class StaffOnly(DomainError):
    code = "forbidden"
    status_code = 403
    message = gettext_noop("Only staff may do this.")


def ensure_active(host: HostProfile) -> None:
    """HostSuspended unless the host may still make changes. (Here rather than in listings.py
    so that the scheduling services, which the listing services call, can import it.)"""
    if host.suspended_at is not None:
        raise HostSuspended()
