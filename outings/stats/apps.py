from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "outings.stats"
    label = "stats"
