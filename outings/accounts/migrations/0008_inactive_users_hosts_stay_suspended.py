"""An inactive user's host profile is suspended, whatever sets the account inactive (session 20).

0007 and the admin's save (accounts.services.suspend_host_of_deactivated_user) kept the rule for
the admin alone: a save or an UPDATE from anywhere else (a shell, a script, a future command) left
the host's listings public and bookable. The database keeps it now, as it keeps the search
document (search 0001): the search statement is unchanged, since it already hides suspended hosts.

- `user_deactivated_suspends_host`: an UPDATE that sets accounts_user.is_active from true to
  false suspends that user's host profile (if any, and not suspended already) in the same
  statement, with an audit entry like the service's (no actor: the database does not know who).
  The admin's save calls the service first, so its entry names the staff member and this one
  finds the host suspended already.
- `host_of_inactive_user_suspended`: a host profile whose account is inactive cannot be
  unsuspended, nor made for or moved to such an account unsuspended (its suspended_at is set).
  Reinstating the host of an inactive account in Host moderation is refused before it gets here
  (accounts.services.InactiveAccount).
- The hosts of accounts made inactive since 0007 without the admin are suspended now.

Reversing drops both triggers and lifts no suspension."""

from django.db import migrations

NOTE = "The user account was deactivated."

AUDITED = f"""
    INSERT INTO catalog_auditentry
        (host_id, listing_id, actor_id, action, from_status, to_status, note, created_at)
    SELECT id, NULL, NULL, 'host_suspended', 'active', 'suspended', '{NOTE}', now()
    FROM suspended
"""

FORWARD = f"""
CREATE FUNCTION outings_suspend_host_of_deactivated_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH suspended AS (
        UPDATE accounts_hostprofile SET suspended_at = now()
        WHERE user_id = NEW.id AND suspended_at IS NULL
        RETURNING id
    )
    {AUDITED};
    RETURN NULL;
END
$$;
CREATE TRIGGER user_deactivated_suspends_host
AFTER UPDATE OF is_active ON accounts_user
FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
EXECUTE FUNCTION outings_suspend_host_of_deactivated_user();

CREATE FUNCTION outings_host_of_inactive_user_suspended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM accounts_user WHERE id = NEW.user_id AND NOT is_active) THEN
        NEW.suspended_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER host_of_inactive_user_suspended
BEFORE INSERT OR UPDATE OF user_id, suspended_at ON accounts_hostprofile
FOR EACH ROW WHEN (NEW.suspended_at IS NULL)
EXECUTE FUNCTION outings_host_of_inactive_user_suspended();
"""

# The hosts of accounts made inactive since 0007 without the admin.
BACKFILL = f"""
WITH suspended AS (
    UPDATE accounts_hostprofile AS host SET suspended_at = now()
    FROM accounts_user AS account
    WHERE account.id = host.user_id AND NOT account.is_active AND host.suspended_at IS NULL
    RETURNING host.id
)
{AUDITED};
"""

BACKWARD = """
DROP TRIGGER host_of_inactive_user_suspended ON accounts_hostprofile;
DROP FUNCTION outings_host_of_inactive_user_suspended();
DROP TRIGGER user_deactivated_suspends_host ON accounts_user;
DROP FUNCTION outings_suspend_host_of_deactivated_user();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_suspend_hosts_of_inactive_users"),
        ("catalog", "0004_offer"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD), migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
