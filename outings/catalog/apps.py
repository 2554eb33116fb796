from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "outings.catalog"
    label = "catalog"

    def ready(self) -> None:
        # Register the photo outbox handlers in every process (web enqueues, workers deliver).
        from outings.catalog.photos import handlers  # noqa: F401
