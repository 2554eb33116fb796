"""Pages: the inbox, email preferences, unsubscribe links, and the staff mail viewer. Thin: they
parse, call one service or selector, and render."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outings.accounts.models import User
from outings.accounts.requests import signed_in_user
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.notifications import emails, selectors, services, texts
from outings.notifications.forms import EmailPreferencesForm
from outings.notifications.mailbox import read_mail
from outings.notifications.models import EmailPreferences

MAX_ID = 2**63 - 1


def _id_param(request: HttpRequest, name: str) -> int | None:
    return _id_value(request.GET.get(name, ""))


def _id_value(text: str) -> int | None:
    """`text` as a notification id (0 to MAX_ID), or None if it is no such number."""
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 <= value <= MAX_ID else None


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    before = _id_param(request, "before")
    items, next_before = selectors.inbox_page(user=user, before_id=before)
    rows = [(item, texts.render(item.kind, item.data)) for item in items]
    unread = selectors.unread_count(user=user)
    # "Mark all as read" marks what this page knew (services.mark_all_read): the newest
    # notification, the first row of the first page.
    if not unread:
        up_to = None
    elif before is None:
        up_to = items[0].pk if items else None
    else:
        up_to = selectors.newest_id(user=user)
    return render(
        request,
        "notifications/inbox.html",
        {"rows": rows, "next_before": next_before, "unread": unread, "up_to": up_to},
    )


# GET on the inbox's buttons: the address a sign-in leads back to when one was pressed after the
# session ended (login_required sends a POST to sign in with `next`, and sign-in goes on with a
# GET). It goes where the button was, changing nothing: a 405 was an empty page.


@login_required
@require_http_methods(["GET", "POST"])
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """POST: mark the user's notification read and go where it leads. GET (back from signing
    in): go there, marking nothing."""
    user = signed_in_user(request)
    try:
        if request.method == "POST":
            notification = services.mark_read(user=user, notification_id=notification_id)
        else:
            notification = selectors.notification_of(user=user, notification_id=notification_id)
    except NotFound:
        return render(request, "404.html", status=404)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark read what the page knew when it was shown (its form's `up_to`, the newest
    notification then): one that came after it, in another tab or while this one was left
    open, stays unread. Without `up_to` (a page shown before it was sent) every one. GET (back
    from signing in): the inbox, marking nothing."""
    if request.method == "GET":
        return redirect("notifications:inbox")
    up_to: int | None = None
    if "up_to" in request.POST:
        up_to = _id_value(request.POST["up_to"])
        if up_to is None:
            messages.error(
                request, _("We could not tell which notifications to mark; nothing changed.")
            )
            return redirect("notifications:inbox")
    services.mark_all_read(user=signed_in_user(request), up_to_id=up_to)
    return redirect("notifications:inbox")


@login_required
@require_GET
def feed(request: HttpRequest) -> JsonResponse:
    """For live.js after a reconnect: the unread count, numbered as the events' counts are
    (selectors.unread_counted: an event counted before it and arriving after it is older), and
    what came after `after`."""
    user = signed_in_user(request)
    after = _id_param(request, "after")
    counted = selectors.unread_counted(user=user)
    items = selectors.newer_than(user=user, after_id=after) if after is not None else []
    return JsonResponse(
        {
            "unread": counted.unread,
            "unread_change": counted.change,
            "items": [services.event_of(item, user=user) for item in items],
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The form carries the preferences as it showed them: a save from a page shown before they
    changed (an unsubscribe link, another tab) answers 409 with what is saved now, changing
    nothing, instead of undoing that change."""
    user = signed_in_user(request)
    # Bound on every POST: an unchecked box is not sent, so a POST with no field is every box
    # unchecked (`request.POST or None` answered it as a GET and saved nothing).
    form = _preferences_form(
        selectors.email_preferences(user=user),
        request.POST if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_email_preferences(
                user=user,
                topics={name: form.cleaned_data[name] for name in form.Meta.fields},
                expected_version=form.cleaned_data["version"] or None,
            )
        except services.EmailPreferencesConflict as conflict:
            messages.error(request, _(conflict.message))
            return render(
                request,
                "notifications/preferences.html",
                {"form": _preferences_form(conflict.current)},
                status=409,
            )
        messages.success(request, _("Your email preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


def _preferences_form(
    preferences: EmailPreferences, data: QueryDict | None = None
) -> EmailPreferencesForm:
    version = selectors.preferences_version(preferences=preferences)
    return EmailPreferencesForm(data, instance=preferences, initial={"version": version})


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            _, topic = services.unsubscribe(token=token)
            done = True
        else:
            _, topic = services.read_unsubscribe_token(token=token)
            done = False
    except services.InvalidUnsubscribeLink:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    label = emails.topic_label(topic)
    return render(request, "notifications/unsubscribe.html", {"done": done, "topic": label})


def _is_superuser(user: AbstractBaseUser | AnonymousUser) -> bool:
    return isinstance(user, User) and user.is_active and user.is_superuser


@login_required
@require_GET
def staff_mail(request: HttpRequest) -> HttpResponse:
    """What guests would have received: the mail files of the embedded profile, and the latest
    mail through the outbox (delivered, waiting or parked) in any profile.

    Superusers only, not all staff: the files hold every mail, password-reset and verification
    links included, and whoever follows another account's reset link owns that account. Anyone
    else signed in gets a 404, as for another user's page (sending them to log in, as
    user_passes_test did, sent them round between this page and the log-in page, which lets a
    signed-in user straight back)."""
    if not _is_superuser(request.user):
        raise Http404
    folder = getattr(settings, "EMAIL_FILE_PATH", None)
    stored = read_mail(Path(folder)) if folder else []
    recent = OutboxMessage.objects.filter(kind=emails.KIND).order_by("-id")[:50]
    response = render(
        request, "notifications/staff_mail.html", {"stored": stored, "recent": recent}
    )
    # A mail's HTML is styled inline, and its sandboxed srcdoc frame keeps this page's policy:
    # inline styles are allowed here alone (scripts stay refused, and the frame runs none).
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    return response
