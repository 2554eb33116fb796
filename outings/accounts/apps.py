from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "outings.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Register the account mail outbox handler in every process.
        from outings.accounts import mail  # noqa: F401
