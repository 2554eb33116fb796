from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "outings.api"
    label = "api"
