"""One account per address in any case (session 20).

User.email was unique as typed: `Bee@Example.org` (the admin, createsuperuser, a script) and
`bee@example.org` (allauth, which keeps every address in lower case) could be two accounts.
Addresses are now kept in lower case (User.save) and a unique index on lower(email) backs it.

Forwards, every address is put in lower case; if two accounts share an address in different
cases, the migration stops before changing anything and names them (`address: accounts 3, 17`):
which one keeps it is for staff to decide (change or merge one in the admin, then migrate again).
Reversing drops the index and leaves the addresses in lower case."""

from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import migrations, models
from django.db.models.functions import Lower


def lower_addresses(apps: Any, schema_editor: Any) -> None:
    user_model = apps.get_model("accounts", "User")
    shared = (
        user_model.objects.annotate(address=Lower("email"))
        .values("address")
        .annotate(n=models.Count("pk"), ids=ArrayAgg("pk", order_by="pk"))
        .filter(n__gt=1)
        .order_by("address")
    )
    clashes = [f"{row['address']}: accounts {', '.join(map(str, row['ids']))}" for row in shared]
    if clashes:
        raise RuntimeError(
            "Several accounts share an address in different cases; keep it on one of each and "
            "migrate again:\n" + "\n".join(clashes)
        )
    user_model.objects.exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_inactive_users_hosts_stay_suspended"),
    ]

    operations = [
        migrations.RunPython(lower_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_lower_unique",
                violation_error_message="User with this Email address already exists.",
            ),
        ),
    ]
