"""Becoming a host, the host's profile, and the public host page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile
from outings.accounts.selectors import host_profile_version
from outings.common import pagetokens
from outings.common.errors import DomainError
from outings.common.pagetokens import BadCursor
from outings.hosting import selectors
from outings.hosting.forms import HostProfileForm, add_domain_errors
from outings.hosting.views.common import host_required, user_of


@login_required
@require_http_methods(["GET", "POST"])
def become_host(request: HttpRequest) -> HttpResponse:
    """Turn hosting on from one's account."""
    user = user_of(request)
    if HostProfile.objects.filter(user=user).exists():
        return redirect("hosting:dashboard")
    form = HostProfileForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        initial={"display_name": user.get_full_name()},
    )
    refused = 0  # the status of a service's refusal, if any
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("photo")
        try:
            account_services.become_host(
                user=user,
                data=form.to_data(),
                photo=photo,
                photo_size=photo.size if photo else 0,
            )
        except DomainError as error:
            refused = add_domain_errors(form, error)
        else:
            messages.success(request, _("You are a host now. Create your first listing."))
            return redirect("hosting:dashboard")
    status = refused or (400 if form.errors else 200)
    return render(request, "hosting/become.html", {"form": form}, status=status)


@host_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: HttpRequest, host: HostProfile) -> HttpResponse:
    """The host's public profile. The form carries the profile's version: a save from a page
    shown before another tab saved answers 409 with what is saved now, the host's own values in
    the form on the current version (saving again replaces the other on purpose). A post
    without a version overwrites nothing either."""
    form = HostProfileForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        initial=_profile_initial(host),
    )
    refused = 0  # the status of a service's refusal, if any
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("photo")
        try:
            account_services.update_host_profile(
                host=host,
                data=form.to_data(),
                photo=photo,
                photo_size=photo.size if photo else 0,
                expected_version=form.cleaned_data["version"],
            )
        except account_services.HostProfileConflict as conflict:
            return _profile_conflict(request, form, conflict.current)
        except DomainError as error:
            refused = add_domain_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("hosting:dashboard")
    status = refused or (400 if form.errors else 200)
    return render(request, "hosting/profile_form.html", {"form": form, "host": host}, status=status)


def _profile_initial(host: HostProfile) -> dict[str, str]:
    return {
        "version": host_profile_version(host=host),
        "display_name": host.display_name,
        "bio": host.bio,
        "city": host.city,
        "languages": ", ".join(host.languages),
    }


def _profile_conflict(
    request: HttpRequest, form: HostProfileForm, current: HostProfile
) -> HttpResponse:
    """409: the profile as saved meanwhile, and a form holding the host's own values on the
    current version (a photo must be chosen again: a browser never sends a file back)."""
    theirs = _profile_initial(current)
    mine = {name: form.data.get(name, "") for name in theirs}
    retry = HostProfileForm(initial={**mine, "version": theirs["version"]})
    changes = [
        {"label": form.fields[name].label, "current": theirs[name], "yours": mine[name]}
        for name in theirs
        if name != "version" and str(theirs[name]).strip() != str(mine[name]).strip()
    ]
    messages.error(
        request,
        _(
            "Your profile was changed in another window since this page was opened. Yours is "
            "in the form: save it again to replace what is saved now."
        ),
    )
    context = {"form": retry, "host": current, "changes": changes}
    return render(request, "hosting/profile_form.html", context, status=409)


def public_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A host's public page: their profile and a page of their published listings, newest
    first, keyset-paginated (?after=<token>). Suspended hosts: 404."""
    host = selectors.public_host(host_id=pk)
    if host is None:
        raise Http404
    token = request.GET.get("after", "")
    try:
        after_id = pagetokens.decode_id(token) if token else None
    except BadCursor:
        return render(request, "web/bad_cursor.html", status=400)
    size = int(settings.PAGE_SIZE)
    listings = selectors.public_listings_of(host=host)
    if after_id is not None:
        listings = listings.filter(pk__lt=after_id)
    fetched = list(listings[: size + 1])
    page = fetched[:size]
    context = {
        "host": host,
        "listings": page,
        "next_cursor": pagetokens.encode_id(page[-1].pk) if len(fetched) > size else None,
        "is_first_page": after_id is None,
    }
    return render(request, "hosting/host_public.html", context)
