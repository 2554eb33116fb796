from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "outings.search"
    label = "search"
