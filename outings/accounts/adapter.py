"""django-allauth wired to our rules: its mail (address verification, password reset) leaves
through the outbox like every other side effect, rendered now and sent by a worker."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from outings.accounts.mail import enqueue_mail


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's mail in the request's language and queue it (outbox kind
        "accounts.mail"); it is sent after commit, with retries while SMTP is down."""
        enqueue_mail(self.render_mail(template_prefix, email, context))
