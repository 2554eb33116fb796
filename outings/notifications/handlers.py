"""Outbox handlers of this app, imported by NotificationsConfig.ready in every process."""

from outings.notifications import emails

__all__ = ["emails"]
