from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "outings.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Register the outbox handlers in every process (web enqueues, workers deliver).
        from outings.notifications import handlers  # noqa: F401
