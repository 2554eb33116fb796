from django.apps import AppConfig


class HostingConfig(AppConfig):
    """The host-facing pages: becoming a host, listings, photos, schedules, the dashboard."""

    name = "outings.hosting"
    label = "hosting"
