"""The site's Content-Security-Policy in a real browser, second pass (security review, session
14): the flows a visitor, a guest and a host walk through, clicked and typed as they would, work
under the policy and the browser refuses nothing on the way. `browser` (tests/browser/conftest.py)
collects every refusal of every page in `browser.refused`; each test reads it at its end."""

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.filebased import EmailBackend
from django.utils import timezone
from playwright.sync_api import expect

from outings.accounts.models import ApiToken
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.models import ListingPhoto
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.models import OutboxMessage
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import png
from outings.notifications.services import notify
from outings.scheduling.models import Schedule, ScheduleException
from outings.search.services import load_exchange_rates, refresh_lexicon
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long pass phrase 7"


@pytest.fixture
def catalogue(db: None) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    kayak, museum = "Harbour kayak tour", "Royal museum tour"
    ListingFactory(category=category("tours"), title=kayak, latitude=59.91, longitude=10.75)
    ListingFactory(category=category("culture"), title=museum, latitude=48.86, longitude=2.35)
    refresh_lexicon()


def test_after_back_the_explore_pages_map_is_a_working_map(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """htmx keeps a copy of the page's HTML for Back, Leaflet's map in it: the panes, tiles and
    markers Leaflet positions with inline styles came back as style attributes, which the policy
    refuses (the browser reported each), and as a picture of a map, dead to the mouse and the
    keys, with the other search's markers. After Back the map is a map again, of those
    results, and moving it offers to search that area."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/explore/?q=kayak")
    page.wait_for_selector("#map .leaflet-marker-icon[title='Harbour kayak tour']")
    page.fill("#id_q", "museum")
    page.press("#id_q", "Enter")
    page.wait_for_selector("#map .leaflet-marker-icon[title='Royal museum tour']")

    page.go_back()
    page.wait_for_selector("#results >> text=Harbour kayak tour")
    page.wait_for_selector("#map .leaflet-marker-icon[title='Harbour kayak tour']")
    page.wait_for_timeout(500)  # the map's own fitting to the results is not the guest's move
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    assert page.locator("#search-area").is_hidden()
    page.focus("#map")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#search-area:not([hidden])", timeout=3_000)
    with page.expect_response(lambda r: "bbox=" in r.url) as answer:
        page.click("#search-area")
    assert answer.value.status == 200

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []


def test_a_guests_own_pages_work_under_the_policy(front: str, browser: Any) -> None:
    """A guest in Tokyo logs in with the form, is told the time in Tokyo (site.js's cookie),
    switches the site to German with the menu (site.js submits it) and back, makes an API token
    (shown once) and revokes it, saves their email preferences, sees a notice arrive on the bell
    and as a toast (live.js, over the websocket), marks it read in the inbox, and logs out. Each
    step does what it says, and the browser refuses nothing on the way."""
    guest = UserFactory.create(email="grace@example.org")
    guest.set_password(PASSWORD)
    guest.save()
    EmailAddress.objects.create(user=guest, email=guest.email, verified=True, primary=True)
    page = browser.new_page(timezone_id="Asia/Tokyo", locale="en-GB")
    page.set_default_timeout(15_000)

    page.goto(f"{front}/accounts/login/")
    page.fill("input[name=login]", guest.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".site-nav button", has_text="Log out")).to_be_visible()
    assert {c["name"]: c["value"] for c in page.context.cookies()}["tz"] == "Asia/Tokyo"
    page.goto(f"{front}/")
    expect(page.locator(".site-footer")).to_contain_text("your time zone is Asia/Tokyo")

    page.select_option("#language-select", "de")
    page.click(".lang-switch button[type=submit]")
    page.wait_for_selector("html[lang=de]")
    expect(page.locator(".site-nav")).to_contain_text("Abmelden")
    page.select_option("#language-select", "en")
    page.click(".lang-switch button[type=submit]")
    page.wait_for_selector("html[lang=en]")

    page.goto(f"{front}/accounts/api-tokens/")
    page.fill("#id_name", "My script")
    page.click("main form button[type=submit]:has-text('Create a token')")
    # Creating a token asks for the password first (ADR 0011); given, the token is made.
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    secret = page.locator("[data-testid=new-token]").inner_text()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert ApiToken.objects.get(user=guest, name="My script").digest == digest
    page.goto(f"{front}/accounts/api-tokens/")
    expect(page.locator("[data-testid=new-token]")).to_have_count(0)
    page.click("main form[action*='/revoke/'] button")
    expect(page.locator("main")).not_to_contain_text("My script")

    page.goto(f"{front}/notifications/preferences/")
    box = page.locator("main form input[type=checkbox]").first
    was = box.is_checked()
    box.set_checked(not was)
    page.click("main form button[type=submit]")
    page.wait_for_selector("main .notice")
    page.goto(f"{front}/notifications/preferences/")
    assert page.locator("main form input[type=checkbox]").first.is_checked() is (not was)

    with page.expect_response(lambda response: "/notifications/feed/" in response.url):
        page.goto(f"{front}/notifications/")
    notify(user=guest, kind="listing.approved", data={"listing": "Dawn walk"}, url="/", email=False)
    page.locator(".live-toasts .live-toast").wait_for()
    expect(page.locator(".bell [data-notification-count]")).to_have_text("1")
    page.goto(f"{front}/notifications/")
    page.click("main form[action*='read-all'] button")
    expect(page.locator(".bell [data-notification-count]")).to_be_hidden()

    page.click(".site-nav button:has-text('Log out')")
    expect(page.locator(".site-nav a", has_text="Log in")).to_be_visible()

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []


def test_booking_waiting_handing_on_and_cancelling_work_under_the_policy(
    live_server: Any, browser: Any
) -> None:
    """Grace picks a date and two seats on the listing page, holds and confirms them; joins the
    waiting list of the sold-out date and leaves it from "my bookings"; hands her booking on to
    Bob, who accepts it from the mailed link; Bob cancels it, is shown his refund, and finds it
    under "Past and cancelled". Each step does what it says; the browser refuses nothing."""
    url = live_server.url
    category("tours")
    listing = ListingFactory.create(title="Harbour walk at dawn", price_amount=2500)
    start = (timezone.now() + timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    open_date = SlotFactory.create(listing=listing, starts_at=start, capacity=4)
    sold_out = SlotFactory.create(listing=listing, starts_at=start + timedelta(days=1), capacity=1)
    someone = UserFactory.create()
    held = services.hold_seats(guest=someone, slot_id=sold_out.pk, seats=1, now=timezone.now())
    services.confirm_booking(guest=someone, reference=held.reference, now=timezone.now())
    grace = UserFactory.create(email="grace@example.org")
    bob = UserFactory.create(email="bob@example.org")
    page = signed_in(browser, grace, url).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{url}/things-to-do/{listing.pk}/")
    page.check(f"#book-form input[name=slot][value='{open_date.pk}']")
    page.fill("#book-seats", "2")
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("text=Confirm your booking")
    page.click("#confirm button[type=submit]")
    page.wait_for_selector("text=Booked. We sent the confirmation to your email address.")
    booking = Booking.objects.get(guest=grace)
    assert (booking.status, booking.seats) == (Booking.Status.CONFIRMED, 2)

    page.goto(f"{url}/things-to-do/{listing.pk}/")
    page.click(".book-form__waitlist summary")
    page.select_option("#wait-slot", str(sold_out.pk))
    page.fill("#wait-seats", "1")
    page.click("#waitlist-form button[type=submit]")
    page.goto(f"{url}/bookings/")
    assert WaitlistEntry.objects.filter(guest=grace, slot=sold_out).count() == 1
    page.click("form[action*='/waitlist/'] button")
    expect(page.locator("#waiting-heading")).to_have_count(0)
    assert not WaitlistEntry.objects.filter(guest=grace, status="waiting").exists()

    page.goto(f"{url}/bookings/{booking.reference}/")
    page.fill("#transfer-form input[name=to_email]", bob.email)
    page.click("#transfer-form button[type=submit]")
    expect(page.locator("#transfer")).to_contain_text("Offered to bob@example.org")
    mail = OutboxMessage.objects.get(kind="email.send", payload__template="booking_transfer")
    accept = "/" + str(mail.payload["context"]["accept_url"]).split("/", 3)[3]
    other = signed_in(browser, bob, url).new_page()
    other.set_default_timeout(15_000)
    other.goto(f"{url}{accept}")
    other.click("main form button[type=submit]")
    other.wait_for_url(f"{url}/bookings/{booking.reference}/")
    booking.refresh_from_db()
    assert booking.guest_id == bob.pk

    other.goto(f"{url}/bookings/{booking.reference}/")
    other.click(f"a[href='/bookings/{booking.reference}/cancel/']")
    expect(other.locator("#refund")).to_contain_text("You get everything back")
    other.click("main form button[type=submit]")
    other.goto(f"{url}/bookings/?show=past")
    expect(other.locator(f"a[href='/bookings/{booking.reference}/']")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []


@pytest.mark.usefixtures("nudges")
def test_a_hosts_photos_schedules_and_dates_work_under_the_policy(
    live_server: Any, browser: Any, media_server: str, tmp_path: Path
) -> None:
    """A host uploads two photos to a listing, describes one and moves it first, deletes the
    other; adds a weekly rule, cancels one of its days and takes that back; cancels a date from
    its roster. Each step does what it says; the browser refuses nothing on the way."""
    url = live_server.url
    category("tours")
    host = HostProfileFactory.create(display_name="Ada's walks")
    listing = ListingFactory.create(host=host, title="Harbour walk at dawn")
    date = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=9))
    page = signed_in(browser, host.user, url).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{url}/host/listings/{listing.pk}/")
    files = []
    for name, color in (("harbour.png", "teal"), ("pier.png", "navy")):
        (tmp_path / name).write_bytes(png(800, 600, color))
        files.append(str(tmp_path / name))
    page.set_input_files("#id_photos", files)
    page.click("text=Upload")
    page.wait_for_selector("text=Being prepared")
    deliver("slow")
    page.goto(f"{url}/host/listings/{listing.pk}/")
    page.wait_for_selector("img.photo-rendition")
    first, second = ListingPhoto.objects.filter(listing=listing).order_by("position")
    page.fill(f"#alt-{second.pk}", "The pier at night")
    page.click(f"form:has(#alt-{second.pk}) button[value=save]")
    page.wait_for_selector(f"#alt-{second.pk}[value='The pier at night']")
    page.click(f"form:has(#alt-{second.pk}) button[value=up]")
    page.wait_for_selector(f"form:has(#alt-{first.pk}) button[value=up]")
    page.click(f"form:has(#alt-{first.pk}) button[value=delete]")
    expect(page.locator(f"#alt-{first.pk}")).to_have_count(0)
    assert [p.alt_text for p in ListingPhoto.objects.filter(listing=listing)] == [
        "The pier at night"
    ]

    page.goto(f"{url}/host/listings/{listing.pk}/schedules/")
    page.check("#id_kind_0")
    page.check("#id_weekdays_0")
    page.fill("#id_start_times", "10:00")
    page.fill("#id_valid_from", (timezone.localdate() + timedelta(days=1)).isoformat())
    page.fill("#id_capacity", "8")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector("text=Schedule added")
    schedule = Schedule.objects.get(listing=listing)
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    page.click("details summary:has-text('Cancel or move a day')")
    form = page.locator("details form").first
    form.locator("input[name=day]").fill(monday.isoformat())
    form.locator("select[name=action]").select_option("cancel")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("form[action*='/exceptions/'] button")
    assert ScheduleException.objects.filter(schedule=schedule, day=monday).exists()
    page.click("form[action*='/exceptions/'] button")
    expect(page.locator("form[action*='/exceptions/']")).to_have_count(0)
    assert not ScheduleException.objects.filter(schedule=schedule).exists()

    page.goto(f"{url}/host/slots/{date.pk}/roster/")
    page.locator("#cancel-date-form textarea, #cancel-date-form input[type=text]").first.fill(
        "The harbour is closed that day."
    )
    page.click("#cancel-date-form button[type=submit]")
    expect(page.locator("#cancel-date-form")).to_have_count(0)
    date.refresh_from_db()
    assert date.status == "cancelled"

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []


def test_show_more_and_things_near_me_work_under_the_policy(live_server: Any, browser: Any) -> None:
    """On "All things to do", "Show more" (htmx) adds the next page under the first; on the home
    page, "Show things near me" (nearby.js) asks for the position and reloads the page with it.
    Each does what it says; the browser refuses nothing."""
    url = live_server.url
    tours = category("tours")
    for number in range(settings.PAGE_SIZE + 3):
        ListingFactory.create(category=tours, title=f"Harbour walk {number:02d}")
    context = browser.new_context(
        geolocation={"latitude": 52.52, "longitude": 13.405}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{url}/things-to-do/")
    cards = page.locator("#results h3, #results h2")
    first = cards.count()
    assert first == settings.PAGE_SIZE
    page.click("#pager a[rel=next]")
    expect(cards).to_have_count(settings.PAGE_SIZE + 3)
    expect(page.locator("#pager")).to_contain_text("That is everything.")

    page.goto(f"{url}/")
    page.click("[data-locate]")
    page.wait_for_url(lambda address: "lat=52.520" in address and "lng=13.405" in address)

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []


def test_the_api_docs_try_it_out_and_the_staff_mail_page_work_under_the_policy(
    live_server: Any, browser: Any, settings: Any, tmp_path: Path
) -> None:
    """Swagger UI's "Try it out" and "Execute" call the API and show its answer; the staff mail
    page shows a mail's HTML, styled inline as mail is, in its sandboxed frame (which keeps that
    page's policy), and runs none of its scripts. The browser refuses nothing it should not."""
    url = live_server.url
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    message = EmailMultiAlternatives("Booked", "Booked.", to=["grace@example.org"])
    message.attach_alternative(
        '<p id="styled" style="color: rgb(11, 92, 173)">Booked.</p>'
        "<script>document.body.dataset.ran = 'yes'</script>",
        "text/html",
    )
    EmailBackend(file_path=settings.EMAIL_FILE_PATH).send_messages([message])
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    page = signed_in(browser, staff, url).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{url}/api/v1/docs")
    operation = page.locator(".opblock-get").filter(has_text="/api/v1/categories").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    with page.expect_response(lambda r: "/api/v1/categories?" in r.url and r.ok):
        operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tr.response td.response-col_status")
    expect(status).to_contain_text("200")

    page.goto(f"{url}/notifications/staff/mail/")
    page.click("details.mail summary")
    frame = page.frame_locator("iframe.mail__html")
    expect(frame.locator("#styled")).to_have_css("color", "rgb(11, 92, 173)")
    expect(frame.locator("body")).not_to_have_attribute("data-ran", "yes")

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []


def test_the_admins_widgets_work_under_the_policy(live_server: Any, browser: Any) -> None:
    """Staff pick a new date's day with the admin's calendar, look a listing up in the raw-id
    pop-up and pick it, filter and search a list and choose rows for an action: the admin's own
    scripts (jQuery included) do each under the policy, and it refuses nothing. (The form was a
    schedule rule's until session 18 made rules read-only in the admin: a date's add form has
    the same widgets.)"""
    url = live_server.url
    category("tours")
    listing = ListingFactory.create(title="Harbour walk at dawn")
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    page = signed_in(browser, staff, url).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{url}/admin/scheduling/slot/add/")
    page.click("#calendarlink0")
    page.wait_for_selector("#calendarbox0", state="visible")
    page.click("#calendarbox0 .calendar-shortcuts a:has-text('Today')")
    expect(page.locator("#id_starts_at_0")).to_have_value(
        timezone.localdate().strftime(settings.DATE_INPUT_FORMATS[0])
    )
    with page.expect_popup() as lookup:
        page.click("#lookup_id_listing")
    popup = lookup.value
    popup.wait_for_load_state("load")
    # The choice closes the popup: Playwright's own click, still finishing its action in that
    # page, then failed with "Target page ... has been closed" now and then (a loaded CI run).
    # The page clicks it itself, after the evaluation has returned (the admin's handler runs
    # the same), and the close is awaited.
    with popup.expect_event("close"):
        popup.eval_on_selector(
            f"a[data-popup-opener='{listing.pk}']", "link => setTimeout(() => link.click(), 0)"
        )
    expect(page.locator("#id_listing")).to_have_value(str(listing.pk))

    page.goto(f"{url}/admin/catalog/listing/?q=Harbour")
    page.check("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []
