from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "outings.web"
    label = "web"
