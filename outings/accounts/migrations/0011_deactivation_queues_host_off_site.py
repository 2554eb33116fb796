"""An account set inactive by any path queues the admin's follow-up for its host (session 21).

0008's trigger suspended the host of an account set inactive anywhere (a shell, a script, a
queryset update) and audited it, but the open pages of the host's listings, which the admin's
save closes (accounts.services.suspend_host_of_deactivated_user), stayed open. The trigger now
inserts, in the same statement, the outbox message that save queues (accounts.handlers.
HOST_OFF_SITE, on its handler's queue: a test compares them); the periodic sweep hands it to a
worker within OUTBOX_SWEEP_SECONDS, since the database cannot nudge one.

Reversing puts back 0008's function."""

import importlib

from django.db import migrations

_0008 = importlib.import_module(
    "outings.accounts.migrations.0008_inactive_users_hosts_stay_suspended"
)

KIND = "accounts.host.off_site"  # accounts.handlers.HOST_OFF_SITE, as it is now
QUEUE = "default"

# The function's start, as 0008 wrote it: the user's host suspended, if it was not.
SUSPENDED = """
CREATE OR REPLACE FUNCTION outings_suspend_host_of_deactivated_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH suspended AS (
        UPDATE accounts_hostprofile SET suspended_at = now()
        WHERE user_id = NEW.id AND suspended_at IS NULL
        RETURNING id
    )"""
END = """;
    RETURN NULL;
END
$$;
"""

FORWARD = f"""{SUSPENDED}, audited AS (
        {_0008.AUDITED}
    )
    INSERT INTO common_outboxmessage
        (kind, queue, payload, status, attempts, due_at, created_at, last_error)
    SELECT '{KIND}', '{QUEUE}', jsonb_build_object('host', id), 'pending', 0, now(), now(), ''
    FROM suspended{END}"""  # noqa: S608 - this module's constants, no input

BACKWARD = f"{SUSPENDED}{_0008.AUDITED}{END}"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_hostprofile_suspended"),
        ("common", "0003_outboxmessage"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
