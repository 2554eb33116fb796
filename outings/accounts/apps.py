from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "outings.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Register the account outbox handlers (mail, a host off the site) in every process.
        from outings.accounts import handlers, mail  # noqa: F401
