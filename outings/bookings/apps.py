from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "outings.bookings"
    label = "bookings"

    def ready(self) -> None:
        # Register the outbox handlers (expiry, reminders, refunds) in every process.
        from outings.bookings import handlers  # noqa: F401
