"""Django's createsuperuser, refusing an address that another account has (in any case, as its
User.email or among allauth's addresses: `accounts.forms.refuse_taken`). Django's checks the
user name alone, so a taken address ended in the INSERT's IntegrityError, a traceback, after
every question was answered (or, for an address of allauth's, made a second account with it)."""

import os
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import IntegrityError

from outings.accounts.forms import refuse_taken
from outings.common import commands


def _refusal(email: str) -> str | None:
    try:
        refuse_taken(email, other_than=None)
    except ValidationError as error:
        return "; ".join(error.messages)
    return None


class Command(commands.Command, createsuperuser.Command):
    """Django's, with the project's check that the database answers and is migrated first
    (outings.common.commands.Command)."""

    def get_input_data(self, field: Any, message: str, default: Any = None) -> Any:
        """A typed address another account has is refused at once, and asked for again."""
        value = super().get_input_data(field, message, default)
        if field.name == "email" and value:
            refusal = _refusal(value)
            if refusal is not None:
                self.stderr.write(f"Error: {refusal}")
                return None
        return value

    def handle(self, *args: Any, **options: Any) -> None:
        """An address given as --email (or, without questions, DJANGO_SUPERUSER_EMAIL) that
        another account has: CommandError, before any question. One taken between the check and
        the INSERT (another command at that moment) ends the same way, not in a traceback."""
        email = options.get("email")
        if not email and not options["interactive"]:
            email = os.environ.get("DJANGO_SUPERUSER_EMAIL")
        refusal = _refusal(email) if email else None
        if refusal is not None:
            raise CommandError(refusal)
        try:
            super().handle(*args, **options)
        except IntegrityError as error:
            raise CommandError(f"The account was not made: {error}") from error
