"""How a booking is paid: one interface, one provider per setting (BOOKINGS_PAYMENT_PROVIDER).

The seat logic never talks to a provider directly. `confirm` asks the provider to secure the
payment for a booking that holds its seats; `refund` is delivered through the outbox after the
cancellation committed, so a card provider's HTTP call never runs inside the seat transaction and
is retried (idempotently, keyed by the outbox message) if the provider is down.

"venue" (pay at the venue) is the one provider today: the price is snapshotted on the booking,
nothing is charged, and a refund due is recorded for the host to settle in person.
"""

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from outings.bookings.models import Booking


@dataclass(frozen=True)
class Payment:
    reference: str  # the provider's id of the payment ("" when nothing is charged)
    charged: int  # minor units taken now


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered 5xx: worth another try later."""


class PaymentDeclined(Exception):
    """The provider refused; the booking stays held and the guest may try again."""


class PaymentProvider(Protocol):
    name: str

    def confirm(self, *, booking: "Booking") -> Payment:
        """Secure the payment for `booking` (its total_price in its currency). Must be idempotent
        for one booking reference. Raises PaymentDeclined."""
        ...

    def refund(self, *, booking: "Booking", amount: int, key: str) -> None:
        """Give `amount` back; `key` is the same on every retry of one refund."""
        ...


class PayAtVenue:
    name = "venue"

    def confirm(self, *, booking: "Booking") -> Payment:
        return Payment(reference="", charged=0)

    def refund(self, *, booking: "Booking", amount: int, key: str) -> None:
        # Nothing was charged: the refund due is recorded on the booking and shown to the host.
        return None


PROVIDERS: dict[str, type[PaymentProvider]] = {PayAtVenue.name: PayAtVenue}


@cache
def provider(name: str | None = None) -> PaymentProvider:
    return PROVIDERS[name or settings.BOOKINGS_PAYMENT_PROVIDER]()
