"""Hosts whose user account staff set inactive before deactivation suspended the host profile
(session 19) kept their listings public: suspend them now, as the admin's save does from now on
(accounts.services.suspend_host_of_deactivated_user). Not undone: reinstating is staff's call."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone


def suspend_hosts_of_inactive_users(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    host_profile = apps.get_model("accounts", "HostProfile")
    host_profile.objects.filter(user__is_active=False, suspended_at__isnull=True).update(
        suspended_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_site_time_zone")]

    operations = [
        migrations.RunPython(suspend_hosts_of_inactive_users, migrations.RunPython.noop),
    ]
