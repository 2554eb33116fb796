from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "outings.scheduling"
    label = "scheduling"
