from datetime import UTC, datetime

import pytest
from django.core import mail
from django.template import Context, Template

from outings.accounts.models import User
from outings.accounts.tests.test_token_pages import ZONED_TIMES
from outings.common.outbox import relay
from outings.notifications import emails, services
from outings.notifications.models import EmailPreferences, Notification

pytestmark = pytest.mark.django_db


def notify(user, url=""):
    return services.notify(
        user=user, kind="listing.approved", data={"listing": "Harbour walk"}, url=url
    )


def test_the_inbox_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].endswith("?next=/notifications/")


def test_the_inbox_lists_only_the_users_own_notifications(client, guest, other):
    notify(guest)
    notify(other)
    client.force_login(guest)

    response = client.get("/notifications/")

    assert response.status_code == 200
    assert [row[0].user_id for row in response.context["rows"]] == [guest.pk]
    assert "“Harbour walk” is now published." in response.content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, guest):
    notification = notify(guest, url="/things-to-do/1/")
    client.force_login(guest)

    response = client.post(f"/notifications/{notification.pk}/read/")

    assert (response.status_code, response["Location"]) == (302, "/things-to-do/1/")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_answers_404_and_stays_unread(client, guest, other):
    notification = notify(other)
    client.force_login(guest)

    response = client.post(f"/notifications/{notification.pk}/read/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_link_to_another_site_is_not_followed(client, guest):
    notification = notify(guest, url="https://evil.example/")
    client.force_login(guest)

    response = client.post(f"/notifications/{notification.pk}/read/")

    assert response["Location"] == "/notifications/"


def test_the_feed_returns_what_came_after_the_last_seen_id(client, guest):
    seen = notify(guest)
    missed = notify(guest)
    client.force_login(guest)

    body = client.get(f"/notifications/feed/?after={seen.pk}").json()

    assert body["unread"] == 2
    assert [item["id"] for item in body["items"]] == [missed.pk]


def test_read_all_marks_everything_read(client, guest):
    notify(guest)
    notify(guest)
    client.force_login(guest)

    client.post("/notifications/read-all/")

    assert not Notification.objects.filter(read_at=None).exists()


def test_the_preferences_page_saves_the_choices(client, guest):
    client.force_login(guest)

    response = client.post("/notifications/preferences/", {"bookings": "on", "waitlist": "on"})

    assert response.status_code == 302
    saved = EmailPreferences.objects.get(user=guest)
    assert (saved.bookings, saved.listings, saved.waitlist) == (True, False, True)
    assert saved.messages is True  # not on the page (nothing mails about it): left as it was


def test_an_empty_post_of_the_preferences_is_a_bound_form_every_box_unchecked(client, guest):
    """A POST without fields answered 200 with the page as for a GET and saved nothing
    (`request.POST or None` left the form unbound). Unchecked boxes are not sent, so a form
    with every box unchecked carries no field of its own: it turns every mail off."""
    client.force_login(guest)

    response = client.post("/notifications/preferences/")

    assert response.status_code == 302
    saved = EmailPreferences.objects.get(user=guest)
    topics = (saved.bookings, saved.listings, saved.waitlist)
    assert topics == (False, False, False)
    assert saved.messages is True  # not on the page (nothing mails about it): left as it was


def test_the_unsubscribe_link_asks_first_then_unsubscribes_on_post(client, guest):
    token = emails.unsubscribe_token(user_id=guest.pk, topic="listings")

    asked = client.get(f"/notifications/unsubscribe/{token}/")
    assert asked.status_code == 200
    assert not EmailPreferences.objects.exists()  # a GET (link scanners) changes nothing

    done = client.post(f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert EmailPreferences.objects.get(user=guest).listings is False


def test_a_tampered_unsubscribe_link_answers_400(client, guest):
    token = emails.unsubscribe_token(user_id=guest.pk, topic="listings")

    response = client.post(f"/notifications/unsubscribe/{token}x/")

    assert response.status_code == 400
    assert not EmailPreferences.objects.exists()


def test_the_staff_mail_page_is_for_staff_only(client, guest):
    client.force_login(guest)

    assert client.get("/notifications/staff/mail/").status_code == 404


def test_the_staff_mail_page_shows_the_mail_written_to_files(client, guest, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    staff = User.objects.create_superuser(username="staff", email="s@example.com", password="x")
    notify(guest)
    relay.drain(queue="urgent", budget=5)
    client.force_login(staff)

    response = client.get("/notifications/staff/mail/")

    assert response.status_code == 200
    [stored] = response.context["stored"]
    assert stored.subject == "Listing approved: Harbour walk"
    assert stored.to == guest.email
    assert "“Harbour walk” is now published." in stored.text
    assert mail.outbox == []


def test_the_live_updates_tag_shows_the_bell_with_one_query(guest, rf, django_assert_num_queries):
    notify(guest)
    request = rf.get("/")
    request.user = guest

    with django_assert_num_queries(1):
        html = Template("{% load notifications %}{% live_updates %}").render(
            Context({"request": request})
        )

    assert "data-notification-count>1</span>" in html
    assert f'data-user="{guest.pk}"' in html


@ZONED_TIMES
def test_the_time_of_a_notification_names_the_zone_it_is_in(
    client, guest, profile_zone, cookie, shown
):
    """In the viewer's zone, named as the booking pages name their times (the `with_zone`
    filter): a bare "10:30 a.m." could be any zone's."""
    guest.time_zone = profile_zone
    guest.save(update_fields=["time_zone"])
    notification = notify(guest)
    instant = datetime(2030, 7, 1, 10, 30, tzinfo=UTC)
    Notification.objects.filter(pk=notification.pk).update(created_at=instant)
    client.force_login(guest)
    if cookie:
        client.cookies["tz"] = cookie

    page = client.get("/notifications/").content.decode()

    assert f'">{shown}</time>' in page
