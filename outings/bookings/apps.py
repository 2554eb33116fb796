from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "outings.bookings"
    label = "bookings"

    def ready(self) -> None:
        # Register the outbox handlers (expiry, reminders, refunds) in every process.
        # <reference:...> and <transfer_secret:...> in the booking and hosting URLconfs.
        from outings.bookings import (
            converters,  # noqa: F401
            handlers,  # noqa: F401
        )
