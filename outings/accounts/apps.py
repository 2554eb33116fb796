from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "outings.accounts"
    label = "accounts"
