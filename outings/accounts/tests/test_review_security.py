"""Security review of the site and the API, probed as an attacker would: each failing test names
what a user, host or operator would expect and what happens instead."""

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.common.outbox.testing import deliver
from outings.common.tests.test_operations import _env, _settings

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
RESET_LINK = re.compile(r"https?://[^\s/]+/accounts/password/reset/key/\S+/")


def _verified_user(email: str, **extra: object) -> User:
    user = UserFactory.create(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _request_reset(client: Client, email: str, **headers: Any) -> None:
    response = client.post("/accounts/password/reset/", {"email": email}, **headers)
    assert response.status_code == 302, response.content[:500]
    deliver("urgent")


# --- Staff mail page -----------------------------------------------------------------------------


def test_a_staff_member_without_permissions_cannot_read_the_admins_password_reset_link(
    client, settings, tmp_path, nudges
):
    """/notifications/staff/mail/ is behind `staff_member_required` alone: any account with
    is_staff (a moderator given only "can change listing review") reads every mail the
    embedded profile wrote, password-reset mails included. Someone asks for a reset of the
    superuser's address, the moderator opens the page, follows the link and owns the superuser
    account. A page that shows other people's mail should need a permission only superusers
    hold by default, or leave account mail (allauth's reset and verification links) out."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    admin = _verified_user("root@example.org", is_staff=True, is_superuser=True)
    moderator = UserFactory.create(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="change_listingreview"))
    _request_reset(Client(), admin.email)

    client.force_login(moderator)
    response = client.get("/notifications/staff/mail/")

    assert not RESET_LINK.search(response.content.decode()), "a reset link for the superuser"


# --- Links in account mail -----------------------------------------------------------------------


def test_the_password_reset_link_is_on_the_configured_site_not_the_requests_host(
    client, settings, nudges
):
    """settings.SITE_URL is documented as "the public address" that absolute links in mail
    need, and booking mails use it. allauth's mails (password reset, address verification)
    build their link from the request's Host instead (request.build_absolute_uri): a reset
    asked for through any other name the app servers answer to (an app server's own address
    kept in ALLOWED_HOSTS for the load balancer's checks, a wildcard subdomain) mails the
    victim a link, with its secret key, to that host. The link should start with SITE_URL
    (the adapter can override get_reset_password_from_key_url / get_email_confirmation_url)."""
    settings.SITE_URL = "https://outings.example.org"
    settings.ALLOWED_HOSTS = ["outings.example.org", "10.0.0.11"]
    user = _verified_user("ada@example.org")

    _request_reset(client, user.email, HTTP_HOST="10.0.0.11")

    [sent] = mail.outbox
    link = RESET_LINK.search(str(sent.body))
    assert link is not None, sent.body
    assert link.group(0).startswith("https://outings.example.org/"), link.group(0)


# --- Rate limits ---------------------------------------------------------------------------------


def test_the_admin_login_is_rate_limited_like_the_sites_own(client):
    """The site's login (allauth) refuses more than 5 failed attempts on one account in 5
    minutes. /admin/login/ checks the same passwords (ModelBackend by username and allauth's
    backend by email) through Django's own form, which calls authenticate() without allauth's
    adapter, so no limit applies: a staff password can be guessed there at full speed. After
    20 wrong guesses the right password still gets in."""
    staff = _verified_user("staff@example.org", is_staff=True, username="staffer")
    for attempt in range(20):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": staff.username, "password": f"wrong-guess-{attempt}"},
        )

    client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})

    assert "_auth_user_id" not in client.session, "20 guesses, then the password still works"


def test_the_sites_login_is_limited_per_account(client):
    """Control for the admin test above: allauth's own login refuses the right password after
    5 wrong ones on the same account."""
    user = _verified_user("eve@example.org")
    for attempt in range(6):
        client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{attempt}"})

    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session


def test_failed_logins_from_other_clients_behind_the_proxy_do_not_lock_out_a_user(settings):
    """Behind nginx (deploy/nginx.conf) every request reaches gunicorn from the proxy's
    address; the client is in X-Forwarded-For. The API is told so (API_TRUSTED_PROXIES, read
    by its throttles), but allauth's limits count by ALLAUTH_TRUSTED_PROXY_COUNT, which the
    settings never set, so they count by REMOTE_ADDR: all visitors share one address. Ten
    failed logins a minute from anyone (allauth's "10/m/ip") then refuse every visitor's
    login, and 20 sign-ups a minute close sign-up for the whole site. allauth should be given
    the same proxy count as the API."""
    settings.API_TRUSTED_PROXIES = 1
    proxy: dict[str, Any] = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(12):
        Client(**proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}").post(
            "/accounts/login/", {"login": f"nobody{n}@example.org", "password": "wrong-one"}
        )
    user = _verified_user("grace@example.org")
    client = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")

    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert client.session.get("_auth_user_id") == str(user.pk), "locked out by strangers"


# --- Security headers and transport --------------------------------------------------------------


def test_hsts_is_sent_when_the_site_is_served_over_https():
    """README: SECURE_COOKIES=true means "the site is served over https". The settings then
    mark cookies Secure but send no Strict-Transport-Security (SECURE_HSTS_SECONDS stays 0)
    and redirect no http request (no SECURE_SSL_REDIRECT), and deploy/nginx.conf adds no HSTS
    header either: a visitor who types the bare name or follows an http link is open to an
    SSL-stripping attacker on their network every time. `manage.py check --deploy` warns
    (security.W004). Turn HSTS on (and the redirect) with SECURE_COOKIES."""
    values = _settings(
        _env(
            DATABASE_URL="postgres://u@db.internal/outings",
            SECRET_KEY="k",
            SECURE_COOKIES="true",
        ),
        "[settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS]",
    )
    assert values[0] is True
    assert values[1] >= 31536000 // 2, f"SECURE_HSTS_SECONDS={values[1]}"


# --- Checked and found right ---------------------------------------------------------------------


def test_pages_forbid_framing_and_sniffing_and_keep_the_referrer_on_the_site(client):
    """Clickjacking and MIME sniffing: every page says DENY and nosniff; links to other sites
    (OpenStreetMap, a listing's source) get no Referer carrying a transfer secret or a path."""
    response = client.get("/accounts/login/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_logging_in_gives_a_new_session_key(client):
    """Session fixation: a key planted before the log-in is not the one that is signed in."""
    user = _verified_user("ida@example.org")
    client.get("/accounts/login/")
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key

    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.session.session_key != before


def test_a_get_to_log_out_does_not_log_out(client):
    """Log-out by POST only: an <img src="/accounts/logout/"> on another site changes nothing."""
    client.force_login(UserFactory.create())

    response = client.get("/accounts/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"]
)
def test_log_in_and_language_switch_never_send_a_visitor_to_another_site(client, target):
    """Open redirects: `next` on log-in and on the language menu stays on this site."""
    user = _verified_user("joan@example.org")

    login = client.post(
        f"/accounts/login/?next={target}", {"login": user.email, "password": PASSWORD}
    )
    switch = client.post("/i18n/setlang/", {"language": "de", "next": target})

    assert login.status_code == 302
    assert login["Location"] == "/host/"
    assert switch.status_code == 302
    assert switch["Location"] == "/"


def test_a_reset_for_an_unknown_address_answers_as_for_a_known_one(client, nudges):
    """User enumeration: the page answers alike, and mail goes only to the address typed."""
    _verified_user("known@example.org")

    known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "unknown@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_signing_up_with_a_taken_address_answers_as_for_a_new_one(client, nudges):
    """User enumeration through sign-up: both go to "verify your address"; no account is made
    for the taken one."""
    _verified_user("taken@example.org")
    form = {"password1": PASSWORD, "password2": PASSWORD}

    taken = Client().post("/accounts/signup/", {"email": "taken@example.org", **form})
    fresh = Client().post("/accounts/signup/", {"email": "fresh@example.org", **form})

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert User.objects.filter(email="taken@example.org").count() == 1


def test_changing_the_password_cycles_the_session_and_ends_the_others(client):
    """A session an attacker copied before the password change stops working after it."""
    user = _verified_user("kim@example.org")
    stolen = Client()
    stolen.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    before = client.session.session_key

    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-phrase-7",
            "password2": "another-long-phrase-7",
        },
    )

    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get("/accounts/api-tokens/").status_code == 200
    assert stolen.get("/accounts/api-tokens/").status_code == 302


def test_a_refused_api_token_is_not_echoed_in_the_error(client):
    """Tokens never appear in error bodies (which clients log)."""
    secret = "out_" + "A" * 43

    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 401
    assert secret not in response.content.decode()
    assert "AAAAAAAA" not in response.content.decode()
