"""Every page of the site (every URL pattern outside /api/), GET and the POSTs that change
something, as every role: the expected answer, from one table (the pages' twin of
outings/api/tests/test_route_authorization.py).

The objects belong to guest_b (bookings, a waiting-list entry, a notification, an API token,
a transfer offer) and host_y (listings, photos, schedules, exceptions, dates, rosters). The
test walks the URLconf, so a new page fails here until it has a row. For every role but the
owners it also checks that guest_b's and host_y's rows did not change and that no answer
carries their private text (a booking reference, an address, a draft's title): another user's
private object answers 404 and nothing is done, never a 403, never a 200 with their data.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, HostProfile, User
from outings.bookings import services as booking_services
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.hosting.tests.fixtures import media  # noqa: F401 - a fixture
from outings.hosting.tests.test_pages import LISTING_FORM as HOST_LISTING_FORM
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.scheduling.models import Schedule, ScheduleException, Slot

pytestmark = [pytest.mark.usefixtures("categories", "media", "nudges")]

ROLES = ("anonymous", "guest_a", "guest_b", "host_x", "host_y", "staff")
OWNERS = frozenset({"guest_b", "host_y"})
LOGIN = "login"  # 302 to /accounts/login/?next=<the page>
BECOME = "become"  # 302 to /host/become/: signed in, not a host
REAUTH = "reauth"  # 302 to /accounts/reauthenticate/: the password first (creating a token)
SECRET = "Secret plan"  # in the title of every listing of host_y's that is not public
NOTE = "Private note"  # in guest_b's notification
FRIEND = "friend@example.org"  # whom guest_b offers bookings to


@dataclass
class World:
    users: dict[str, User]
    listing: Listing  # host_y's, published
    slot: Slot  # a date of it
    draft: Listing  # host_y's
    draft_slot: Slot
    listing_of_x: Listing  # host_x's own, published
    _count: list[int] = field(default_factory=lambda: [0])

    @property
    def host_y(self) -> HostProfile:
        return self.listing.host

    def _title(self) -> str:
        self._count[0] += 1
        return f"{SECRET} {self._count[0]}"

    def fresh_listing(self, status: str = Listing.Status.DRAFT) -> Listing:
        title = self._title() if status != Listing.Status.PUBLISHED else "Harbour walk"
        return ListingFactory.create(host=self.host_y, status=status, title=title)

    def booking_of_guest_b(self, *, confirm: bool = False, instant: bool = True) -> str:
        listing = self.listing
        if not instant:
            listing = ListingFactory.create(host=self.host_y, instant_booking=False)
        slot = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=30))
        guest, now = self.users["guest_b"], timezone.now()
        booking = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
        if confirm:
            booking_services.confirm_booking(guest=guest, reference=booking.reference, now=now)
        return booking.reference

    def transfer_of_guest_b(self, to_email: str) -> str:
        _, secret = booking_services.offer_transfer(
            guest=self.users["guest_b"],
            reference=self.booking_of_guest_b(confirm=True),
            to_email=to_email,
            now=timezone.now(),
        )
        return secret

    def full_slot(self) -> int:
        slot = SlotFactory.create(
            listing=self.listing, capacity=1, starts_at=timezone.now() + timedelta(days=20)
        )
        booking_services.hold_seats(
            guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=timezone.now()
        )
        return slot.pk

    def waitlist_entry_of_guest_b(self) -> int:
        entry = booking_services.join_waitlist(
            guest=self.users["guest_b"], slot_id=self.full_slot(), seats=1, now=timezone.now()
        )
        return entry.pk

    def notification_of_guest_b(self) -> int:
        notification = Notification.objects.create(
            user=self.users["guest_b"],
            kind=Notification.Kind.LISTING_APPROVED,
            data={"title": NOTE},
            created_at=timezone.now(),
        )
        return notification.pk

    def token_of_guest_b(self) -> int:
        return account_services.create_api_token(user=self.users["guest_b"], name=NOTE).token.pk

    def photo(self) -> tuple[int, int]:
        listing = self.fresh_listing()
        photo = ListingPhoto.objects.create(listing=listing, image="x.png", width=800, height=600)
        return listing.pk, photo.pk

    def schedule(self) -> tuple[int, int]:
        listing = self.fresh_listing()
        schedule = Schedule.objects.create(
            listing=listing,
            weekdays=list(range(7)),
            start_times=[time(10)],
            valid_from=date(2031, 1, 6),
            valid_until=date(2031, 1, 12),
            capacity=6,
        )
        return listing.pk, schedule.pk

    def exception(self) -> tuple[int, int]:
        listing_id, schedule_id = self.schedule()
        exception = ScheduleException.objects.create(
            schedule_id=schedule_id, day=date(2031, 1, 7), action="cancel"
        )
        return listing_id, exception.pk

    def date(self) -> tuple[int, int]:
        listing = self.fresh_listing(Listing.Status.PUBLISHED)
        slot = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=9))
        return listing.pk, slot.pk


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[World], str]
    expected: dict[str, int | str]
    body: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    # Who may change guest_b's and host_y's rows (or read them) through this request.
    owners: frozenset[str] = OWNERS


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int | str) -> dict[str, int | str]:
    return {**everyone(status), "anonymous": LOGIN}


def only_guest_b(status: int | str) -> dict[str, int | str]:
    return {**everyone(404), "anonymous": LOGIN, "guest_b": status}


def hosts(status: int | str) -> dict[str, int | str]:
    """A host page about the host's own things: every host gets `status`."""
    return {**everyone(BECOME), "anonymous": LOGIN, "host_x": status, "host_y": status}


def only_host_y(status: int | str) -> dict[str, int | str]:
    """A host page about one of host_y's things: host_x gets 404."""
    return {**hosts(status), "host_x": 404}


def mixed(status_for_x: int | str) -> dict[str, int | str]:
    """host_x's own listing in the path with one of host_y's photos, rules or dates: for host_x
    that thing is not there (the page says so, nothing is done); host_y does not own the
    listing (404)."""
    return {**hosts(status_for_x), "host_y": 404}


LISTING_FORM = {**HOST_LISTING_FORM, "version": "1"}
# The version a fresh listing's or date's form carries: state changes and a date's cancel
# refuse a post without one (session 22).
VERSION = {"version": "1"}
# The form of the page that asks before archiving (the listing page's Archive asks first).
CONFIRMED = {**VERSION, "confirm": "1"}
RULE_FORM = {
    "kind": "weekly",
    "weekdays": ["0", "1"],
    "start_times": "10:00",
    "valid_from": "2031-02-03",
    "valid_until": "2031-02-10",
    "capacity": "6",
}
EXCEPTION_FORM = {"day": "2031-01-08", "action": "cancel"}


def _hl(w: World) -> str:  # a listing of host_y's, for the host pages
    return f"/host/listings/{w.fresh_listing().pk}"


def _photo(w: World) -> str:
    return "/host/listings/{}/photos/{}/".format(*w.photo())


def _photo_under_x(w: World) -> str:
    return f"/host/listings/{w.listing_of_x.pk}/photos/{w.photo()[1]}/"


def _rule(w: World) -> str:
    return "/host/listings/{}/schedules/{}/".format(*w.schedule())


def _rule_under_x(w: World) -> str:
    return f"/host/listings/{w.listing_of_x.pk}/schedules/{w.schedule()[1]}/"


def _exception(w: World) -> str:
    return "/host/listings/{}/exceptions/{}/delete/".format(*w.exception())


def _exception_under_x(w: World) -> str:
    return f"/host/listings/{w.listing_of_x.pk}/exceptions/{w.exception()[1]}/delete/"


def _date(w: World) -> str:
    return "/host/listings/{}/slots/{}/".format(*w.date())


def _date_under_x(w: World) -> str:
    return f"/host/listings/{w.listing_of_x.pk}/slots/{w.date()[1]}/"


def _book(w: World) -> dict[str, Any]:
    return {"slot": w.slot.pk, "seats": 1, "form_token": f"t{timezone.now().timestamp()}"}


TABLE: dict[str, list[Case]] = {
    # --- public pages -------------------------------------------------------------------------
    "": [Case("GET", lambda w: "/", everyone(200))],
    "things-to-do/": [Case("GET", lambda w: "/things-to-do/", everyone(200))],
    "things-to-do/<int:pk>/": [
        Case("GET", lambda w: f"/things-to-do/{w.listing.pk}/", everyone(200)),
        # A draft is nobody's public page, its host's neither (they have /host/listings/<id>/).
        Case("GET", lambda w: f"/things-to-do/{w.draft.pk}/", everyone(404)),
    ],
    "explore/": [Case("GET", lambda w: "/explore/?q=walk", everyone(200))],
    "explore/suggest": [Case("GET", lambda w: "/explore/suggest?q=wal", everyone(200))],
    "host/people/<int:pk>/": [
        Case("GET", lambda w: f"/host/people/{w.host_y.pk}/", everyone(200)),
    ],
    # What a proxy in front answers for a body it refused: the 413 page, the same for everyone.
    "too-large/": [Case("GET", lambda w: "/too-large/", everyone(413))],
    "i18n/setlang/": [
        Case("POST", lambda w: "/i18n/setlang/", everyone(302), {"language": "en", "next": "/"}),
    ],
    # --- notifications ------------------------------------------------------------------------
    "notifications/": [Case("GET", lambda w: "/notifications/", signed_in(200))],
    # A GET of a button's address (where signing in leads back to) goes where the button was,
    # changing nothing (accounts/tests/test_review_session22_signed_out_forms.py).
    "notifications/<int:notification_id>/read/": [
        Case(
            "GET",
            lambda w: f"/notifications/{w.notification_of_guest_b()}/read/",
            only_guest_b(302),
        ),
        Case(
            "POST",
            lambda w: f"/notifications/{w.notification_of_guest_b()}/read/",
            only_guest_b(302),
        ),
    ],
    "notifications/read-all/": [
        Case("GET", lambda w: "/notifications/read-all/", signed_in(302)),
        Case("POST", lambda w: "/notifications/read-all/", signed_in(302)),
    ],
    "notifications/feed/": [Case("GET", lambda w: "/notifications/feed/?after=0", signed_in(200))],
    "notifications/preferences/": [
        Case("GET", lambda w: "/notifications/preferences/", signed_in(200)),
        Case("POST", lambda w: "/notifications/preferences/", signed_in(302), {"messages": "on"}),
    ],
    "notifications/unsubscribe/<str:token>/": [
        # The signed token is the proof (one-click unsubscribe from a mail provider): no session.
        Case(
            "GET",
            lambda w: "/notifications/unsubscribe/{}/".format(
                emails.unsubscribe_token(user_id=w.users["guest_b"].pk, topic="messages")
            ),
            everyone(200),
        ),
        Case("GET", lambda w: "/notifications/unsubscribe/forged/", everyone(400)),
        Case("POST", lambda w: "/notifications/unsubscribe/forged/", everyone(400)),
    ],
    # Superusers only (the mail files hold every reset link); other staff: 404 as well.
    "notifications/staff/mail/": [
        Case("GET", lambda w: "/notifications/staff/mail/", signed_in(404)),
    ],
    # --- the account pages --------------------------------------------------------------------
    "accounts/api-tokens/": [
        Case("GET", lambda w: "/accounts/api-tokens/", signed_in(200)),
        # A session that has not given its password lately is asked for it (ADR 0011); with it,
        # 201 (accounts/tests/test_review_session19_tokens.py).
        Case("POST", lambda w: "/accounts/api-tokens/", signed_in(REAUTH), {"name": "walk"}),
    ],
    "accounts/api-tokens/revoke-all/": [
        Case("GET", lambda w: "/accounts/api-tokens/revoke-all/", signed_in(302)),
        Case("POST", lambda w: "/accounts/api-tokens/revoke-all/", signed_in(302)),
    ],
    "accounts/api-tokens/<int:token_id>/revoke/": [
        # Back to the user's own list, whosever the token: the GET reads no token.
        Case(
            "GET", lambda w: f"/accounts/api-tokens/{w.token_of_guest_b()}/revoke/", signed_in(302)
        ),
        Case(
            "POST",
            lambda w: f"/accounts/api-tokens/{w.token_of_guest_b()}/revoke/",
            only_guest_b(302),
        ),
    ],
    # --- django-allauth's pages ---------------------------------------------------------------
    "accounts/login/": [
        Case("GET", lambda w: "/accounts/login/", {**everyone(302), "anonymous": 200})
    ],
    "accounts/logout/": [
        Case("GET", lambda w: "/accounts/logout/", {**everyone(200), "anonymous": 302})
    ],
    "accounts/inactive/": [Case("GET", lambda w: "/accounts/inactive/", everyone(200))],
    "accounts/signup/": [
        Case("GET", lambda w: "/accounts/signup/", {**everyone(302), "anonymous": 200})
    ],
    "accounts/reauthenticate/": [
        Case("GET", lambda w: "/accounts/reauthenticate/", signed_in(200)),
    ],
    "accounts/email/": [
        Case("GET", lambda w: "/accounts/email/", signed_in(200)),
        Case(
            "POST",
            lambda w: "/accounts/email/",
            # guest_b removing their own address is asked for the password first
            {**signed_in(302), "guest_b": REAUTH},
            lambda w: {"action_remove": "", "email": w.users["guest_b"].email},
        ),
    ],
    "accounts/confirm-email/": [Case("GET", lambda w: "/accounts/confirm-email/", everyone(200))],
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": [
        Case("GET", lambda w: "/accounts/confirm-email/forged/", everyone(200)),
    ],
    "accounts/password/change/": [
        Case("GET", lambda w: "/accounts/password/change/", signed_in(200)),
    ],
    "accounts/password/set/": [Case("GET", lambda w: "/accounts/password/set/", signed_in(302))],
    "accounts/password/reset/": [
        Case("GET", lambda w: "/accounts/password/reset/", everyone(200)),
    ],
    "accounts/password/reset/done/": [
        Case("GET", lambda w: "/accounts/password/reset/done/", everyone(200)),
    ],
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": [
        Case("GET", lambda w: "/accounts/password/reset/key/1-forged/", everyone(200)),
    ],
    "accounts/password/reset/key/done/": [
        Case("GET", lambda w: "/accounts/password/reset/key/done/", everyone(200)),
    ],
    "accounts/login/code/confirm/": [
        Case("GET", lambda w: "/accounts/login/code/confirm/", everyone(302)),
    ],
    # --- the guest's bookings -----------------------------------------------------------------
    "bookings/": [
        Case("GET", lambda w: "/bookings/", signed_in(200)),
        Case("GET", lambda w: "/bookings/?show=past", signed_in(200)),
    ],
    "bookings/new/": [
        Case("GET", lambda w: f"/bookings/new/?slot={w.slot.pk}", signed_in(200)),
        Case("GET", lambda w: f"/bookings/new/?slot={w.draft_slot.pk}", signed_in(404)),
        # host_y may not book their own listing (400).
        Case("POST", lambda w: "/bookings/new/", {**signed_in(302), "host_y": 400}, _book),
    ],
    "bookings/waitlist/": [
        Case(
            "POST",
            lambda w: "/bookings/waitlist/",
            {**signed_in(302), "host_y": 400},
            lambda w: {"slot": w.full_slot(), "seats": 1},
        ),
    ],
    "bookings/waitlist/<int:entry_id>/leave/": [
        Case(
            "POST",
            lambda w: f"/bookings/waitlist/{w.waitlist_entry_of_guest_b()}/leave/",
            only_guest_b(302),
        ),
    ],
    "bookings/transfer/<transfer_secret:secret>/": [
        # Offered to guest_a: theirs alone to see and take. To anyone else signed in (guest_b
        # who offered it too) the link is not theirs: 404, nothing of the booking shown.
        Case(
            "GET",
            lambda w: f"/bookings/transfer/{w.transfer_of_guest_b('guest_a@example.org')}/",
            {**signed_in(404), "guest_a": 200},
            owners=OWNERS | {"guest_a"},
        ),
        Case(
            "POST",
            lambda w: f"/bookings/transfer/{w.transfer_of_guest_b('guest_a@example.org')}/",
            {**signed_in(404), "guest_a": 302},
            owners=OWNERS | {"guest_a"},
        ),
        # Offered to someone who has no role here.
        Case(
            "GET", lambda w: f"/bookings/transfer/{w.transfer_of_guest_b(FRIEND)}/", signed_in(404)
        ),
        Case(
            "POST", lambda w: f"/bookings/transfer/{w.transfer_of_guest_b(FRIEND)}/", signed_in(404)
        ),
    ],
    "bookings/<reference:reference>/": [
        Case("GET", lambda w: f"/bookings/{w.booking_of_guest_b()}/", only_guest_b(200)),
    ],
    "bookings/<reference:reference>/confirm/": [
        Case("POST", lambda w: f"/bookings/{w.booking_of_guest_b()}/confirm/", only_guest_b(302)),
    ],
    "bookings/<reference:reference>/cancel/": [
        Case("GET", lambda w: f"/bookings/{w.booking_of_guest_b()}/cancel/", only_guest_b(200)),
        Case("POST", lambda w: f"/bookings/{w.booking_of_guest_b()}/cancel/", only_guest_b(302)),
    ],
    "bookings/<reference:reference>/calendar.ics": [
        Case(
            "GET",
            lambda w: f"/bookings/{w.booking_of_guest_b(confirm=True)}/calendar.ics",
            only_guest_b(200),
        ),
    ],
    "bookings/<reference:reference>/transfer/": [
        Case(
            "POST",
            lambda w: f"/bookings/{w.booking_of_guest_b(confirm=True)}/transfer/",
            only_guest_b(302),
            {"to_email": FRIEND},
        ),
    ],
    "bookings/<reference:reference>/transfer/withdraw/": [
        Case(
            "POST",
            lambda w: f"/bookings/{_offered_booking(w)}/transfer/withdraw/",
            only_guest_b(302),
        ),
    ],
    # --- the host's pages ---------------------------------------------------------------------
    "host/": [Case("GET", lambda w: "/host/", hosts(200))],
    "host/become/": [
        # Hosts already are: back to their dashboard. An empty form is refused (400).
        Case("GET", lambda w: "/host/become/", {**signed_in(200), "host_x": 302, "host_y": 302}),
        Case("POST", lambda w: "/host/become/", {**signed_in(400), "host_x": 302, "host_y": 302}),
    ],
    "host/profile/": [
        Case("GET", lambda w: "/host/profile/", hosts(200)),
        Case("POST", lambda w: "/host/profile/", hosts(400)),
    ],
    "host/listings/new/": [
        Case("GET", lambda w: "/host/listings/new/", hosts(200)),
        Case("POST", lambda w: "/host/listings/new/", hosts(400)),
    ],
    "host/listings/<int:pk>/": [
        Case("GET", lambda w: f"/host/listings/{w.draft.pk}/", only_host_y(200)),
        Case("POST", lambda w: f"{_hl(w)}/", only_host_y(302), LISTING_FORM),
    ],
    # A listing's views and bookings: its host's (staff need stats.view_listingday, which the
    # table's staff have not: sent to become a host, as on every host page).
    "host/listings/<int:pk>/stats/": [Case("GET", lambda w: f"{_hl(w)}/stats/", only_host_y(200))],
    "host/listings/<int:pk>/state/<str:action>/": [
        Case("POST", lambda w: f"{_hl(w)}/state/submit/", only_host_y(302), VERSION),
        Case(
            "POST",
            lambda w: f"/host/listings/{w.fresh_listing(Listing.Status.PUBLISHED).pk}/state/pause/",
            only_host_y(302),
            VERSION,
        ),
        Case(
            "POST",
            lambda w: f"/host/listings/{w.fresh_listing(Listing.Status.PAUSED).pk}/state/resume/",
            only_host_y(302),
            VERSION,
        ),
        Case("POST", lambda w: f"{_hl(w)}/state/archive/", only_host_y(200), VERSION),
        Case("POST", lambda w: f"{_hl(w)}/state/archive/", only_host_y(302), CONFIRMED),
        Case("POST", lambda w: f"{_hl(w)}/state/publish/", only_host_y(404)),
    ],
    "host/listings/<int:pk>/photos/": [
        Case("POST", lambda w: f"{_hl(w)}/photos/", only_host_y(302)),
    ],
    "host/listings/<int:pk>/photos/<int:photo_id>/": [
        Case("POST", _photo, only_host_y(302), {"action": "delete", "version": "1"}),
        Case("POST", _photo, only_host_y(302), {"alt_text": "Pier", "version": "1"}),
        Case("POST", _photo, only_host_y(302), {"action": "up", "order_version": "1"}),
        Case("POST", _photo_under_x, mixed(302), {"action": "delete", "version": "1"}),
        Case("POST", _photo_under_x, mixed(302), {"alt_text": "Pier", "version": "1"}),
    ],
    "host/listings/<int:pk>/schedules/": [
        Case("GET", lambda w: f"/host/listings/{w.draft.pk}/schedules/", only_host_y(200)),
        Case("POST", lambda w: f"{_hl(w)}/schedules/", only_host_y(302), RULE_FORM),
    ],
    "host/listings/<int:pk>/schedules/<int:schedule_id>/": [
        Case("POST", _rule, only_host_y(302), {"action": "delete", "version": "1"}),
        Case("POST", _rule, only_host_y(302), EXCEPTION_FORM),
        Case("POST", _rule_under_x, mixed(302), {"action": "delete", "version": "1"}),
        Case("POST", _rule_under_x, mixed(302), EXCEPTION_FORM),
    ],
    "host/listings/<int:pk>/schedules/<int:schedule_id>/exceptions/": [
        Case("GET", lambda w: f"{_rule(w)}exceptions/", only_host_y(200)),
        Case("GET", lambda w: f"{_rule_under_x(w)}exceptions/", mixed(404)),
    ],
    "host/listings/<int:pk>/exceptions/<int:exception_id>/delete/": [
        Case("POST", _exception, only_host_y(302)),
        Case("POST", _exception_under_x, mixed(302)),
    ],
    "host/listings/<int:pk>/slots/<int:slot_id>/": [
        Case("POST", _date, only_host_y(302), {"capacity": "5", "version": "1"}),
        Case("POST", _date, only_host_y(302), {"action": "cancel", "reason": "Storm.", **VERSION}),
        Case("POST", _date_under_x, mixed(302), {"capacity": "5", "version": "1"}),
        Case(
            "POST", _date_under_x, mixed(302), {"action": "cancel", "reason": "Storm.", **VERSION}
        ),
    ],
    "host/slots/<int:slot_id>/roster/": [
        Case("GET", lambda w: f"/host/slots/{w.slot.pk}/roster/", only_host_y(200)),
        Case(
            "POST",
            lambda w: f"/host/slots/{w.date()[1]}/roster/",
            only_host_y(302),
            {"reason": "Storm.", **VERSION},
        ),
    ],
    "host/slots/<int:slot_id>/roster.csv": [
        Case("GET", lambda w: f"/host/slots/{w.slot.pk}/roster.csv", only_host_y(200)),
    ],
    "host/bookings/<reference:reference>/": [
        Case("GET", lambda w: f"/host/bookings/{w.booking_of_guest_b()}/", only_host_y(200)),
        Case(
            "POST",
            lambda w: f"/host/bookings/{w.booking_of_guest_b(instant=False)}/",
            only_host_y(302),
            {"action": "accept"},
        ),
        Case(
            "POST",
            lambda w: f"/host/bookings/{w.booking_of_guest_b(instant=False)}/",
            only_host_y(302),
            {"action": "decline", "decline-reason": "Full."},
        ),
        Case(
            "POST",
            lambda w: f"/host/bookings/{w.booking_of_guest_b(confirm=True)}/",
            only_host_y(302),
            {"action": "cancel", "cancel-reason": "Storm."},
        ),
    ],
}


def _offered_booking(w: World) -> str:
    reference = w.booking_of_guest_b(confirm=True)
    booking_services.offer_transfer(
        guest=w.users["guest_b"],
        reference=reference,
        to_email=FRIEND,
        now=timezone.now(),
    )
    return reference


# Not pages: answered the same to everyone, with nothing private in them.
EXCLUDED = {
    "health",  # tested in outings/common/tests (details for staff only)
    "health/ready",
    "health/live",
    "^media/(?P<path>.*)$",  # public files, sandboxed (outings/common/views.py)
}


def page_routes() -> set[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    routes = set(walk(get_resolver().url_patterns, ""))
    return {r for r in routes if not r.startswith(("api/", "admin/")) and r not in EXCLUDED}


def owned_state(world: World) -> dict[str, list[Any]]:
    """guest_b's and host_y's rows, as they are. Seats taken are left out: anyone may book one
    of host_y's dates."""
    guest, host = world.users["guest_b"], world.host_y
    return {
        "bookings": list(Booking.objects.filter(guest=guest).order_by("pk").values()),
        "transfers": list(Transfer.objects.filter(from_user=guest).order_by("pk").values()),
        "waitlist": list(WaitlistEntry.objects.filter(guest=guest).order_by("pk").values()),
        "notifications": list(Notification.objects.filter(user=guest).order_by("pk").values()),
        "tokens": list(ApiToken.objects.filter(user=guest).order_by("pk").values()),
        "addresses": list(EmailAddress.objects.filter(user=guest).order_by("pk").values()),
        "user": list(User.objects.filter(pk=guest.pk).values(*_user_fields())),
        "host": list(HostProfile.objects.filter(pk=host.pk).values()),
        "listings": list(
            Listing.objects.filter(host=host).order_by("pk").values("pk", "status", "title")
        ),
        "photos": list(ListingPhoto.objects.filter(listing__host=host).order_by("pk").values()),
        "schedules": list(Schedule.objects.filter(listing__host=host).order_by("pk").values()),
        "exceptions": list(
            ScheduleException.objects.filter(schedule__listing__host=host).order_by("pk").values()
        ),
        "slots": list(
            Slot.objects.filter(listing__host=host)
            .order_by("pk")
            .values("pk", "status", "capacity", "starts_at")
        ),
    }


def _user_fields() -> list[str]:
    return [f.attname for f in User._meta.concrete_fields if f.name != "last_login"]


def private_text(world: World) -> list[str]:
    """What only guest_b or host_y may read."""
    guest = world.users["guest_b"]
    references = Booking.objects.filter(guest=guest).values_list("reference", flat=True)
    return [*references, guest.email, SECRET, NOTE, FRIEND]


@pytest.fixture
def world(db: Any) -> World:
    host_x = HostProfileFactory.create(user__username="host_x", user__password="a-long-pass-phrase")
    host_y = HostProfileFactory.create(user__username="host_y", user__password="a-long-pass-phrase")
    users: dict[str, User] = {
        "guest_a": UserFactory.create(username="guest_a", password="a-long-pass-phrase"),
        "guest_b": UserFactory.create(username="guest_b", password="a-long-pass-phrase"),
        "host_x": host_x.user,
        "host_y": host_y.user,
        "staff": UserFactory.create(username="staff", is_staff=True, password="a-long-pass-phrase"),
    }
    listing = ListingFactory.create(host=host_y)
    slot = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=10))
    draft = ListingFactory.create(host=host_y, status=Listing.Status.DRAFT, title=f"{SECRET} 0")
    draft_slot = SlotFactory.create(listing=draft)
    return World(
        users=users,
        listing=listing,
        slot=slot,
        draft=draft,
        draft_slot=draft_slot,
        listing_of_x=ListingFactory.create(host=host_x),
    )


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def outcome(response: Any, path: str) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/?next="):
            return LOGIN
        if location == "/host/become/":
            return BECOME
        if location.startswith("/accounts/reauthenticate/?next="):
            return REAUTH
    return int(response.status_code)


def test_every_page_is_in_the_table():
    routes = page_routes()

    assert routes - TABLE.keys() == set(), "add these pages to TABLE"
    assert TABLE.keys() - routes == set(), "TABLE names pages that do not exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_table_says(world, role):
    results: dict[tuple[str, int, str], int | str] = {}
    expected: dict[tuple[str, int, str], int | str] = {}
    touched: list[tuple[str, int, str]] = []
    leaked: list[tuple[str, int, str, str]] = []
    for route, cases in TABLE.items():
        for index, case in enumerate(cases):
            path = case.path(world)
            body = case.body(world) if callable(case.body) else case.body
            before, secrets = owned_state(world), private_text(world)
            client = client_for(role, world)
            response = client.get(path) if case.method == "GET" else client.post(path, body or {})
            key = (route, index, case.method)
            results[key] = outcome(response, path)
            expected[key] = case.expected[role]
            if role not in case.owners:
                if owned_state(world) != before:
                    touched.append(key)
                text = response.content.decode(errors="replace")
                # A 404 page repeats the path asked for: that is the caller's own text.
                leaked += [(*key, s) for s in secrets if s in text and s not in path]

    wrong = {key: (results[key], expected[key]) for key in results if results[key] != expected[key]}
    # (answered, expected); changed guest_b's or host_y's rows; showed their private text
    assert (wrong, touched, leaked) == ({}, [], [])


# --- The admin: staff only, whatever the page ----------------------------------------------------
def admin_paths() -> dict[str, str]:
    """Every admin route with a path that reaches it (ids of rows that need not exist: the
    admin checks who asks before it looks anything up)."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    paths = {}
    for route, _pattern in walk(get_resolver().url_patterns, ""):
        if not route.startswith("admin/"):
            continue
        path = route.replace("<path:content_type_id>", "1").replace("<path:object_id>", "1")
        path = path.replace("<id>", "1")
        # Django lists the app labels in the order their admins registered.
        path = re.sub(r"\^\(\?P<app_label>[a-z_|]+\)/\$", "catalog/", path)
        paths[route] = "/" + path.replace("(?P<url>.*)$", "nothing/")
    return paths


def test_every_admin_page_sends_a_visitor_to_log_in_and_refuses_everyone_not_staff(world):
    paths = admin_paths()
    assert all("<" not in p and "(" not in p for p in paths.values()), paths
    answers = {}
    for role in ("anonymous", "guest_a", "host_x"):
        client = client_for(role, world)
        for route, path in paths.items():
            response = client.get(path, follow=True)
            answers[(role, route)] = (response.status_code, response.redirect_chain[-1:])

    login = "/accounts/login/?next="
    for (role, route), (status, chain) in answers.items():
        if role == "anonymous":
            assert (status, chain[0][0].startswith(login)) == (200, True), (role, route)
        else:  # signed in, not staff: "403 Forbidden" from the admin's log-in
            assert status == 403, (role, route)
