"""The demo accounts `make run` prints: one staff member, one host, one guest.

Passwords are random, made on first use and kept in ./var/demo-accounts.json (never in the
repository), so a demo database is not open to a published password.
"""

import json
import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from outings.accounts.models import HostProfile, User

DEMO_ACCOUNTS = [
    ("staff", "staff@outings.localhost", "Sam Staff"),
    ("host", "host@outings.localhost", "Hanna Host"),
    ("guest", "guest@outings.localhost", "Gus Guest"),
]


def _passwords_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-accounts.json"


@transaction.atomic
def ensure_demo_accounts() -> list[str]:
    """Create (or repair) the demo accounts; return one printable line per account."""
    path = _passwords_file()
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    lines = []
    for role, email, name in DEMO_ACCOUNTS:
        first, last = name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=f"demo-{role}",
            defaults={"email": email, "first_name": first, "last_name": last},
        )
        password = known.get(role)
        if created or password is None or not user.check_password(password):
            password = password or secrets.token_urlsafe(9)
            user.set_password(password)
        user.email = email
        user.is_staff = user.is_superuser = role == "staff"
        user.save()
        # The site signs in by email, verified (ACCOUNT_EMAIL_VERIFICATION = "mandatory"): the
        # printed address and password must lead in, not to a mail in ./var/mail.
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if role == "host":
            HostProfile.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": name,
                    "city": "Toronto",
                    "is_demo": True,
                    "languages": ["en", "de"],
                },
            )
        known[role] = password
        lines.append(f"{role:>5}: {email} / {password}")  # the site signs in by email
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return lines
