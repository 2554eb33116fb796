"""A host hears what staff decided about their listing. Approving it puts "Listing approved" in
the host's inbox (live on their open pages after commit) and mails it, with a link to the
listing on the site; sending it back does the same with staff's reason and a link to edit and
submit it again. Both are written in the transaction of the decision (the inbox row and the
mail's outbox row: nothing for a decision rolled back or refused), the mail is sent by the outbox
relay (here to a real SMTP server), in the host's language, only if they want mail about their
listings."""

from email.message import EmailMessage

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from outings.accounts.models import HostProfile, User
from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails, live, texts
from outings.notifications import services as notification_services
from outings.notifications.models import Notification
from outings.notifications.tests.test_inbox import listen, received
from outings.notifications.tests.test_review_mail import deliver, text_of, to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

Status = Listing.Status
SENT_BACK = "“Harbour walk” needs changes before it can be published."


@pytest.fixture
def staff() -> User:
    return UserFactory.create(
        is_staff=True, first_name="Mo", permissions=["hosting.change_listingreview"]
    )


class RolledBack(Exception):
    """A caller's failure after the decision: its transaction rolls back."""


def submitted(title: str = "Harbour walk", **user: object) -> Listing:
    """A submitted listing of a new host, an English reader unless `user` says otherwise."""
    values: dict[str, object] = {"first_name": "Ada", "preferred_language": "en", **user}
    host: HostProfile = HostProfileFactory.create(user=UserFactory.create(**values))
    return ListingFactory.create(host=host, status=Status.SUBMITTED, title=title)


def host_user(listing: Listing) -> User:
    return User.objects.get(host_profile__pk=listing.host_id)


def html_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_approving_tells_the_host_in_the_inbox_live_and_by_mail_with_a_link_to_the_listing(
    staff, sink, django_capture_on_commit_callbacks
):
    listing = submitted()
    user = host_user(listing)
    bell = listen(live.user_group(user.pk))

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_listing(
            staff=staff, listing_id=listing.pk, reviewed_version=listing.version
        )

    page = f"/things-to-do/{listing.pk}/"
    assert listing.get_absolute_url() == page
    [told] = Notification.objects.filter(user=user)
    assert (told.kind, told.url) == ("listing.approved", page)
    assert told.data == {"listing": "Harbour walk", "listing_language": "en"}
    published = "“Harbour walk” is now published."
    [event] = received(bell)
    assert (event["title"], event["body"], event["url"]) == ("Listing approved", published, page)
    [mail] = to(deliver(sink), user)
    assert mail["Subject"] == "Listing approved: Harbour walk"
    body = text_of(mail)
    assert body.startswith("Hello Ada,")
    assert published in body
    assert f"See it on the site: {settings.SITE_URL}{page}" in body
    assert f'href="{settings.SITE_URL}{page}"' in html_of(mail)
    assert not Notification.objects.exclude(user=user).exists()  # staff are told nothing


def test_sending_back_tells_the_host_why_with_a_link_to_edit_and_submit_again(
    staff, sink, django_capture_on_commit_callbacks
):
    listing = submitted()
    user = host_user(listing)
    bell = listen(live.user_group(user.pk))
    reason = "Add a photo of the meeting point.\nSay where to park & how long it takes."

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_listing(staff=staff, listing_id=listing.pk, reason=f"  {reason}\n")

    edit = f"/host/listings/{listing.pk}/"
    [told] = Notification.objects.filter(user=user)
    assert (told.kind, told.url) == ("listing.rejected", edit)
    assert told.data == {"listing": "Harbour walk", "listing_language": "en", "reason": reason}
    said = f"{SENT_BACK} Our team's note: {reason}"
    [event] = received(bell)
    assert (event["title"], event["body"], event["url"]) == ("Listing needs changes", said, edit)
    [mail] = to(deliver(sink), user)
    assert mail["Subject"] == "Listing needs changes: Harbour walk"
    body = text_of(mail).replace("\r\n", "\n")
    assert said in body  # the reason's own lines kept
    assert f"Edit and submit again: {settings.SITE_URL}{edit}" in body
    html = html_of(mail)
    assert "Add a photo of the meeting point.<br>Say where to park &amp; how long it takes." in html
    assert f'href="{settings.SITE_URL}{edit}"' in html


@pytest.mark.parametrize(
    "language", [{"preferred_language": "de"}, {"preferred_language": "", "site_language": "de"}]
)
def test_a_german_host_reads_both_decisions_in_german(staff, sink, language):
    """Written in the host's language: the one they chose, else the one they last used the
    site in (User.reading_language), whatever the staff member's."""
    approved = submitted("Hafenrundgang", first_name="Jörg", **language)
    user = host_user(approved)
    sent_back = ListingFactory.create(
        host_id=approved.host_id,
        status=Status.SUBMITTED,
        title="Stadtführung",
        content_language="de",
    )

    services.approve_listing(staff=staff, listing_id=approved.pk)
    services.reject_listing(staff=staff, listing_id=sent_back.pk, reason="Bitte ein Foto.")

    mails = {str(mail["Subject"]): text_of(mail) for mail in to(deliver(sink), user)}
    assert mails.keys() == {
        "Angebot freigegeben: Hafenrundgang",
        "Angebot braucht Änderungen: Stadtführung",
    }
    approval = mails["Angebot freigegeben: Hafenrundgang"]
    assert approval.startswith("Hallo Jörg,")
    assert "„Hafenrundgang“ ist jetzt veröffentlicht." in approval
    assert f"Auf der Website ansehen: {settings.SITE_URL}/things-to-do/{approved.pk}/" in approval
    rejection = mails["Angebot braucht Änderungen: Stadtführung"]
    assert (
        "„Stadtführung“ braucht Änderungen, bevor es veröffentlicht werden kann. Anmerkung "
        "unseres Teams: Bitte ein Foto."
    ) in rejection
    assert (
        f"Bearbeiten und erneut einreichen: {settings.SITE_URL}/host/listings/{sent_back.pk}/"
    ) in rejection


def test_a_host_who_wants_no_mail_about_their_listings_is_told_in_the_inbox_only(staff, sink):
    listing = submitted()
    user = host_user(listing)
    notification_services.update_email_preferences(user=user, topics={"listings": False})

    services.approve_listing(staff=staff, listing_id=listing.pk)

    assert Notification.objects.get(user=user).kind == "listing.approved"
    assert not OutboxMessage.objects.filter(kind=emails.KIND).exists()
    assert deliver(sink) == []


def test_a_rolled_back_approval_tells_nobody_and_the_next_one_does(
    staff, sink, django_capture_on_commit_callbacks
):
    """The inbox row and the mail's outbox row are written in the decision's transaction: a
    decision rolled back (here after the service returned, as a caller's later failure would)
    leaves neither, and publishes no live event."""
    listing = submitted()
    user = host_user(listing)
    bell = listen(live.user_group(user.pk))

    written: list[bool] = []

    def approve_then_fail() -> None:
        with transaction.atomic():
            services.approve_listing(staff=staff, listing_id=listing.pk)
            written.append(Notification.objects.filter(user=user).exists())
            raise RolledBack

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RolledBack):
        approve_then_fail()

    assert written == [True]  # the inbox row was written in the decision's transaction

    assert callbacks == []
    assert Listing.objects.get(pk=listing.pk).status == Status.SUBMITTED
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.filter(kind=emails.KIND).exists()
    assert deliver(sink) == []
    assert received(bell) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_listing(staff=staff, listing_id=listing.pk)

    assert [event["title"] for event in received(bell)] == ["Listing approved"]
    assert [mail["Subject"] for mail in to(deliver(sink), user)] == [
        "Listing approved: Harbour walk"
    ]


def test_a_refused_decision_tells_nobody(staff, sink):
    """An approval of a version the host has since changed, a rejection without a reason, a
    decision about a listing that is not submitted: refused, and nothing is written."""
    changed = submitted()
    draft = ListingFactory.create(host_id=changed.host_id, status=Status.DRAFT)

    with pytest.raises(services.ListingConflict):
        services.approve_listing(
            staff=staff, listing_id=changed.pk, reviewed_version=changed.version - 1
        )
    with pytest.raises(services.InvalidListing):
        services.reject_listing(staff=staff, listing_id=changed.pk, reason="  ")
    with pytest.raises(services.InvalidTransition):
        services.approve_listing(staff=staff, listing_id=draft.pk)
    with pytest.raises(services.StaffOnly):
        services.approve_listing(staff=host_user(changed), listing_id=changed.pk)

    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.filter(kind=emails.KIND).exists()
    assert deliver(sink) == []


@override_settings(LISTING_APPROVAL_REQUIRED=False)
def test_a_listing_published_on_submission_tells_its_host_nothing():
    """With approval switched off nobody decided anything: the host who submitted it sees it
    published on the page they are on."""
    listing = submitted()
    Listing.objects.filter(pk=listing.pk).update(status=Status.DRAFT)
    host = HostProfile.objects.get(pk=listing.host_id)

    services.submit_listing(host=host, listing_id=listing.pk, actor=host.user)

    assert Listing.objects.get(pk=listing.pk).status == Status.PUBLISHED
    assert not Notification.objects.exists()


def test_a_sent_back_notice_without_a_reason_reads_as_a_whole_sentence():
    """A reason is required (reject_listing), but a notice whose data has none (or an empty
    one) reads without a dangling "Our team's note: …"."""
    for data in ({"listing": "Harbour walk"}, {"listing": "Harbour walk", "reason": ""}):
        text = texts.render("listing.rejected", data)
        assert (text.title, text.body) == ("Listing needs changes", SENT_BACK)
