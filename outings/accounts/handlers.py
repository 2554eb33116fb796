"""Outbox kinds of accounts that the database writes too (a trigger cannot call Python), and their
handlers, registered in every process by AccountsConfig.ready."""

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.notifications import live

# A host left the site because their user account was set inactive: by the admin's user page
# (accounts.services.suspend_host_of_deactivated_user queues it) or by any other write (the
# trigger of accounts 0011 inserts the same row, on this queue: a test compares them).
# Payload {"host": id}.
HOST_OFF_SITE = "accounts.host.off_site"


@outbox.handler(HOST_OFF_SITE, queue="default")
def close_live_pages(message: OutboxMessage) -> None:
    """Close the open pages of the host's published listings (their sockets get 4404, as a new
    one would), as a suspension in Host moderation does. A host reinstated since (the account
    active again) closes nothing. Idempotent: a page closed twice is closed."""
    host = HostProfile.objects.filter(
        pk=message.payload["host"], suspended_at__isnull=False
    ).first()
    if host is None:
        return
    for listing_id in host.listings.filter(status=Listing.Status.PUBLISHED).values_list(
        "pk", flat=True
    ):
        live.publish_listing_gone(listing_id)
