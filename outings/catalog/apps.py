from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "outings.catalog"
    label = "catalog"
