"""Security review of the pages, session 14: what the browser is told to refuse (a
Content-Security-Policy on every answer, a stricter one on uploaded files) and what the pages must
therefore not carry; the HSTS choices `manage.py check --deploy` asks about; photos staff upload
in the admin."""

import json
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.catalog.tests.factories import UserFactory
from outings.common.outbox.testing import deliver
from outings.common.tests.test_operations import _env, _settings
from outings.hosting.tests.fixtures import host, jpeg_rotated, listing, media, slot
from outings.scheduling.models import Schedule, ScheduleException, Slot

__all__ = ["host", "listing", "media", "slot"]  # fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

# The sources the pages need: their own scripts, styles and fetches (websockets to the same
# host included), and pictures from anywhere (OpenStreetMap's tiles, an imported listing's
# picture, media in a bucket).
EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "https:", "http:", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


class InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' and 'unsafe-eval' would block: inline scripts and
    styles, event handler attributes, style attributes, javascript: addresses, and htmx
    attributes htmx evaluates as JavaScript (hx-vals="js:…" or "javascript:…", hx-on, a
    trigger's [filter], each also as data-hx-…); and what it would refuse to load: a script, a
    stylesheet or a frame from another origin, a form that posts elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.htmx_config: list[dict[str, Any]] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and "src" not in values:
            kind = values.get("type") or ""
            self._script = None if kind == "application/json" else "<script> without src"
        if tag == "style":
            self.found.append("<style>")
        if tag == "meta" and values.get("name") == "htmx-config":
            self.htmx_config.append(json.loads(values.get("content") or "{}"))
        elsewhere = {"script": "src", "iframe": "src", "frame": "src", "form": "action"}
        if tag in elsewhere and _elsewhere(values.get(elsewhere[tag])):
            self.found.append(f'<{tag} {elsewhere[tag]}="{values[elsewhere[tag]]}">')
        if (
            tag == "link"
            and "stylesheet" in (values.get("rel") or "")
            and _elsewhere(values.get("href"))
        ):
            self.found.append(f'<link rel="stylesheet" href="{values["href"]}">')
        for name, value in attrs:
            value = value or ""
            htmx = name.removeprefix("data-")
            if name.startswith("on") or htmx.startswith("hx-on"):
                self.found.append(f"<{tag} {name}>")
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if htmx in ("hx-vals", "hx-vars", "hx-headers") and _script_url(value, "js:"):
                self.found.append(f'<{tag} {name}="{value}">')
            if htmx == "hx-trigger" and "[" in value:
                self.found.append(f'<{tag} {name}="{value}">')
            if name in ("href", "src", "action", "formaction") and _script_url(value):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.found.append(self._script)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _script_url(value: str, *prefixes: str) -> bool:
    """Whether the browser (or htmx) would run `value` as JavaScript: as a browser reads an
    address, case and surrounding spaces and control characters do not count."""
    text = value.strip(C0_AND_SPACE)
    for ignored in "\t\n\r":
        text = text.replace(ignored, "")
    return text.lower().startswith(("javascript:", *prefixes))


def _elsewhere(address: str | None) -> bool:
    """An address on another origin (absolute, or protocol-relative): the policy's 'self'."""
    text = (address or "").strip().lower()
    return text.startswith(("http:", "https:", "//", "data:"))


@pytest.fixture
def site(host: HostProfile, listing: Any, slot: Slot) -> dict[str, Any]:
    """A host with a listing, a weekly rule with a cancelled day, and a date a guest booked."""
    schedule = Schedule.objects.create(
        listing=listing,
        weekdays=[0],
        start_times=["10:00"],
        valid_from=timezone.localdate(),
        capacity=8,
    )
    ScheduleException.objects.create(
        schedule=schedule,
        day=timezone.localdate() + timedelta(days=7),
        action=ScheduleException.Action.CANCEL,
    )
    guest = UserFactory.create(first_name="Ada")
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    return {
        "host": host,
        "listing": listing,
        "slot": slot,
        "schedule": schedule,
        "guest": guest,
        "booking": booking,
    }


def _pages(site: dict[str, Any]) -> list[tuple[User | None, str]]:
    listing, slot, booking = site["listing"], site["slot"], site["booking"]
    host, guest = site["host"].user, site["guest"]
    return [
        (None, "/"),
        (None, "/things-to-do/"),
        (None, f"/things-to-do/{listing.pk}/"),
        (None, "/explore/?q=walk"),
        (None, "/accounts/login/"),
        (None, "/accounts/signup/"),
        (None, "/accounts/password/reset/"),
        (guest, "/bookings/"),
        (guest, f"/bookings/{booking.reference}/"),
        (guest, "/notifications/"),
        (guest, "/accounts/api-tokens/"),
        (host, "/host/"),
        (host, f"/host/listings/{listing.pk}/"),
        (host, f"/host/listings/{listing.pk}/schedules/"),
        (host, f"/host/slots/{slot.pk}/roster/"),
        (host, "/host/profile/"),
        # The pages a guest, a host and a visitor reach from those (session 14, second pass).
        (None, f"/host/people/{site['host'].pk}/"),
        (guest, f"/bookings/{booking.reference}/cancel/"),
        (guest, "/notifications/preferences/"),
        (guest, "/accounts/email/"),
        (guest, "/accounts/password/set/"),  # the factory's guest has no password to change
        (guest, "/accounts/logout/"),
        (guest, "/host/become/"),
        (host, "/host/listings/new/"),
        (host, f"/host/listings/{listing.pk}/schedules/{site['schedule'].pk}/exceptions/"),
        (host, f"/host/bookings/{booking.reference}/"),
    ]


def _get(user: User | None, path: str) -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response


def test_every_page_lets_the_browser_run_only_the_sites_own_scripts(site, staff):
    """Escaping and nh3 are the first line against injected markup; a Content-Security-Policy is
    the second: a script that slipped through (a template's |safe, a future bug) is not run, no
    other site frames the page (as X-Frame-Options says to older browsers), no <base> or
    <object> is honoured and forms post only here. The pages sent none."""
    pages = [*_pages(site), (staff, "/admin/"), (staff, "/admin/catalog/listing/")]
    for user, path in pages:
        assert policy(_get(user, path)) == EXPECTED_POLICY, path


def test_no_page_carries_what_that_policy_would_block(site):
    """The policy holds without 'unsafe-inline' or 'unsafe-eval' only if no page needs them: no
    inline script or style, no handler or style attribute, nothing htmx would evaluate. The host's
    schedules page styled two forms inline; the dashboard and the roster had htmx evaluate
    `js:` values and the roster a trigger filter. Pages that load htmx tell it not to evaluate
    anything nor add its own <style> (both refused by the policy)."""
    for user, path in _pages(site):
        html = _get(user, path).content.decode()
        parser = InlineCode()
        parser.feed(html)
        assert parser.found == [], path
        if "htmx.min.js" in html:
            config = parser.htmx_config[0] if parser.htmx_config else {}
            assert config.get("allowEval") is False, path
            assert config.get("includeIndicatorStyles") is False, path


def test_a_form_refused_for_its_missing_token_gets_a_page_the_policy_lets_show():
    """A form sent without its CSRF token (the session ended while the page stayed open, the
    cookies were cleared) gets a 403 page. Django's own is styled by an inline <style>, which
    the policy refuses (the browser reports it, and shows the page unstyled), and tells a guest
    of "CSRF verification" in English whatever their language. It is the site's page now, in
    its layout and language, saying what to do."""
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"login": "ada@example.org", "password": "x"}, HTTP_ACCEPT_LANGUAGE="de"
    )

    assert response.status_code == 403
    html = response.content.decode()
    parser = InlineCode()
    parser.feed(html)
    assert parser.found == []
    assert 'lang="de"' in html
    assert "Dieses Formular ist abgelaufen" in html


def test_the_check_sees_each_thing_the_policy_would_block():
    """The check above, on markup carrying each thing the policy refuses. It missed
    javascript: addresses (any case, spaces before), htmx's data-hx- spellings of what it
    evaluates, hx-vals="javascript:…" and what would load from or post to another origin."""
    html = """
      <a href=" JavaScript:alert(1)">x</a><form action="java\tscript:go()"></form>
      <button formaction="javascript:go()">x</button>
      <div data-hx-on:click="go()"></div><div data-hx-vals="js:{a: 1}"></div>
      <div hx-vals="javascript:{a: 1}"></div><div data-hx-trigger="keyup[ctrlKey]"></div>
      <script src="https://cdn.example.org/x.js"></script>
      <link rel="stylesheet" href="//cdn.example.org/x.css"><iframe src="https://example.org/"></iframe>
      <form action="https://example.org/collect"></form>
      <a href="https://example.org/">a link elsewhere is fine</a><img src="https://example.org/a.png">
      <script type="application/json">{"fine": true}</script><link rel="icon" href="/favicon.svg">
    """
    parser = InlineCode()
    parser.feed(html)

    assert len(parser.found) == 11, parser.found


def test_the_staff_mail_page_lets_a_mails_own_styles_show_but_runs_no_script(
    client, staff, settings, tmp_path
):
    """The mail preview is a sandboxed srcdoc frame, which inherits the page's policy: mail HTML
    is styled inline, so that page alone allows inline styles; scripts stay refused."""
    settings.EMAIL_FILE_PATH = str(tmp_path)
    client.force_login(staff)

    response = client.get("/notifications/staff/mail/")

    rules = policy(response)
    assert rules["style-src"] == ["'self'", "'unsafe-inline'"]
    assert rules["script-src"] == ["'self'"]


def test_an_uploaded_file_runs_nothing_even_opened_as_a_page(client, media: Path):
    """Media are served from the site's own origin in the embedded profile. Whatever a file there
    holds (every upload is re-encoded; a file someone put there by hand might not be), opened
    on its own it is sandboxed: no script, no same-origin access to the signed-in visitor's
    session."""
    media.mkdir(parents=True)
    (media / "page.html").write_text("<script>fetch('/bookings/')</script>")
    (media / "photo.jpg").write_bytes(jpeg_rotated())

    page = client.get("/media/page.html")
    photo = client.get("/media/photo.jpg")

    for response in (page, photo):
        assert response.status_code == 200
        assert policy(response) == {"default-src": ["'none'"], "sandbox": []}
        assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(photo.streaming_content) == jpeg_rotated()


def test_hsts_for_subdomains_and_the_preload_list_are_the_operators_choice():
    """`manage.py check --deploy` warns (W005, W021) that HSTS covers no subdomain and cannot be
    preloaded. Both commit every subdomain of the domain to https for a year or for good, which
    only its owner can promise: they are settings, off unless the environment says so."""
    base = _env(DATABASE_URL="postgres://u@db.internal/outings", SECRET_KEY="k")
    expression = "[settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD]"

    assert _settings({**base, "SECURE_COOKIES": "true"}, expression) == [False, False]
    assert _settings(
        {
            **base,
            "SECURE_COOKIES": "true",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
        },
        expression,
    ) == [True, True]


def test_a_hosts_photo_is_never_stored_unchecked_from_the_admin(client, staff, media: Path):
    """A host's photo is checked by content and re-encoded without metadata (its GPS position
    included) when the host uploads it. The admin's host form took any file as the photo and
    stored it as sent, under its own name: an HTML page, or a photo with the host's home in its
    EXIF, served from the site. Staff can no longer upload one there."""
    host = HostProfile.objects.create(user=UserFactory.create(), display_name="Ada")
    client.force_login(staff)
    form = client.get(f"/admin/accounts/hostprofile/{host.pk}/change/")
    assert form.status_code == 200

    response = client.post(
        f"/admin/accounts/hostprofile/{host.pk}/change/",
        {
            "user": host.user.pk,
            "display_name": "Ada",
            "bio": "",
            "city": "",
            "photo": SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html"),
        },
    )

    assert response.status_code in (200, 302)
    host.refresh_from_db()
    assert host.photo.name == ""
    assert not media.exists() or not any(media.rglob("*"))


# --- Checked and found right ---------------------------------------------------------------------


def test_password_reset_mail_to_one_address_is_limited(client, nudges):
    """Mail bombing through the reset form: allauth's "5/m/key" (the address typed) holds in
    the configured cache (Redis in the services profile): the sixth request within a minute is
    refused with 429 and sends nothing."""
    user = UserFactory.create(email="zoe@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(
            "/accounts/password/reset/", {"email": user.email}
        )
        for n in range(1, 8)
    ]

    deliver("urgent")

    assert [answer.status_code for answer in answers] == [302] * 5 + [429] * 2
    assert [message.to for message in mail.outbox] == [[user.email]] * 5
