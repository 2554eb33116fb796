"""Review (session 18): notices written before `bookings.0008`, when the admin's cancel actions
gave their reason ("Cancelled by staff in the admin.") in the staff member's language. 0008
stored the bookings' reason as the msgid, read in each reader's language, but the notices kept
the German text, unmarked: the host's "Your date was cancelled" in their inbox ("Our team's
note: …"), and the mails of notices not sent yet (SMTP down, a busy worker: each mail carries
its notice's data) gave it in German to a reader of English. `bookings.0010` stores it there as
the msgid too, marked as ours (`reason_is_ours`, effects.reason_data). Notices are written here
as the admin wrote them then: the staff cancellation with the reason in German. Personas come
from conftest.py."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.timezone import now

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_review_session17 import IN_THE_ADMIN, IN_THE_ADMIN_DE
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails, texts
from outings.notifications.models import Notification

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def migrate_notices() -> None:
    migration = import_module("outings.bookings.migrations.0010_admin_reason_in_notices")
    migration.as_msgid(apps, None)


def reads(user: User, language: str) -> dict[str, str]:
    """What `user` reads of each of their notices (by kind), in their inbox, in `language`."""
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    read: dict[str, str] = {}
    with translation.override(language):
        for notice in Notification.objects.filter(user=user):
            text = texts.render(notice.kind, notice.data)
            read[notice.kind] = f"{text.title}\n{text.body}"
    return read


def unsent_mails(user: User, language: str) -> list[str]:
    """The text of each mail to `user` not sent yet, as it would go now, in `language`."""
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    rows = OutboxMessage.objects.filter(kind=emails.KIND, payload__to=user.email)
    built = [emails.build(row) for row in rows.filter(status=OutboxMessage.Status.PENDING)]
    return [str(mail.body) for mail in built if mail is not None]


def cancelled_in_the_admin_in_german(guest: User) -> tuple[User, User]:
    """A's date, booked and announced (its mails gone), cancelled by staff reading German in
    the admin as it was before 0008: the reason in German. The host, and A."""
    slot, _booking = session14.toronto_date(guest)
    OutboxMessage.objects.filter(kind=emails.KIND).update(status=OutboxMessage.Status.DONE)
    staff = UserFactory.create(is_staff=True, permissions=["scheduling.change_slot"])
    services.cancel_slot_as_staff(staff=staff, slot_id=slot.pk, reason=IN_THE_ADMIN_DE, now=now())
    return slot.listing.host.user, guest


def test_the_hosts_notice_of_a_date_staff_cancelled_in_german_reads_in_their_language(
    guest: User,
) -> None:
    """The host reads English: "Our team's note: Von unserem Team …" in their inbox."""
    host, _guest = cancelled_in_the_admin_in_german(guest)
    assert IN_THE_ADMIN_DE in reads(host, "en")[Kind.SLOT_CANCELLED]

    migrate_notices()

    english = reads(host, "en")[Kind.SLOT_CANCELLED]
    assert f"Our team's note: {IN_THE_ADMIN}" in english
    assert IN_THE_ADMIN_DE not in english
    assert IN_THE_ADMIN_DE in reads(host, "de")[Kind.SLOT_CANCELLED]


def test_a_cancellation_mail_not_sent_yet_reads_in_its_readers_language(guest: User) -> None:
    """A reads English; the mail of A's "Booking cancelled", not gone yet, gave the German."""
    _host, guest = cancelled_in_the_admin_in_german(guest)
    [mail] = unsent_mails(guest, "en")
    assert f"Reason: {IN_THE_ADMIN_DE}" in mail

    migrate_notices()

    [mail] = unsent_mails(guest, "en")
    assert f"Reason: {IN_THE_ADMIN}" in mail
    assert IN_THE_ADMIN_DE not in mail


def test_the_english_text_staff_stored_unmarked_reads_in_german_too(guest: User) -> None:
    """Staff reading English stored the English text, unmarked: a host reading German read it
    in English. It is marked as ours."""
    slot, _booking = session14.toronto_date(guest)
    staff = UserFactory.create(is_staff=True, permissions=["scheduling.change_slot"])
    services.cancel_slot_as_staff(staff=staff, slot_id=slot.pk, reason=IN_THE_ADMIN, now=now())
    host = slot.listing.host.user
    notice = Notification.objects.get(user=host, kind=Kind.SLOT_CANCELLED)
    notice.data.pop("reason_is_ours")  # as it was stored before 0008
    notice.save(update_fields=["data"])
    assert IN_THE_ADMIN_DE not in reads(host, "de")[Kind.SLOT_CANCELLED]

    migrate_notices()

    assert IN_THE_ADMIN_DE in reads(host, "de")[Kind.SLOT_CANCELLED]


def test_a_reason_a_person_typed_is_left_as_typed(guest: User) -> None:
    """Pinned: staff's own words are theirs, in every notice and mail."""
    slot, _booking = session14.toronto_date(guest)
    staff = UserFactory.create(is_staff=True, permissions=["scheduling.change_slot"])
    services.cancel_slot_as_staff(
        staff=staff, slot_id=slot.pk, reason="Sturm über dem See.", now=now()
    )
    notices = dict(Notification.objects.values_list("pk", "data"))
    mails = dict(OutboxMessage.objects.values_list("pk", "payload"))

    migrate_notices()

    assert dict(Notification.objects.values_list("pk", "data")) == notices
    assert dict(OutboxMessage.objects.values_list("pk", "payload")) == mails
