from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "outings.common"
    label = "common"
