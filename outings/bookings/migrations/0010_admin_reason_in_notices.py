from collections.abc import Mapping
from typing import Any

from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import translation

# As in 0008: the admin's reason as the admin stores it now, written out.
CANCELLED_IN_THE_ADMIN = "Cancelled by staff in the admin."
EMAIL = "email.send"  # notifications.emails.KIND


def _texts() -> list[str]:
    """The admin's reason as it was stored before 0008: in any language staff read."""
    texts = {CANCELLED_IN_THE_ADMIN}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(translation.gettext(CANCELLED_IN_THE_ADMIN))
    return sorted(texts)


def _ours(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "reason": CANCELLED_IN_THE_ADMIN, "reason_is_ours": True}


def as_msgid(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    """Notices of a cancellation staff made in the admin before 0008 hold its reason in the staff
    member's language (or the English text, unmarked): store it as the msgid, marked as ours
    (bookings.effects.reason_data), so that each reader reads it in their language
    (notifications.texts): the inbox's notices, and the mails of notices not sent yet, which
    carry a copy of their data. Only staff's (`by`); a reason a person typed stays as typed."""
    texts = _texts()
    notification = apps.get_model("notifications", "Notification")
    notices = notification.objects.filter(data__by="staff", data__reason__in=texts).exclude(
        data__has_key="reason_is_ours"
    )
    for notice in notices.only("data").iterator():
        notice.data = _ours(notice.data)
        notice.save(update_fields=["data"])
    message = apps.get_model("common", "OutboxMessage")
    mails = message.objects.filter(
        kind=EMAIL,
        status__in=("pending", "parked"),
        payload__context__data__by="staff",
        payload__context__data__reason__in=texts,
    ).exclude(payload__context__data__has_key="reason_is_ours")
    for mail in mails.only("payload").iterator():
        context = mail.payload["context"]
        mail.payload = {**mail.payload, "context": {**context, "data": _ours(context["data"])}}
        mail.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_reminders_planned_before_0007"),
        ("notifications", "0011_waitlist_moved_kind"),
        ("common", "0003_outboxmessage"),
    ]

    operations = [
        migrations.RunPython(as_msgid, migrations.RunPython.noop),
    ]
