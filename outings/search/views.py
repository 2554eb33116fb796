"""The explore page: one GET form whose URL holds the whole state. Works without JavaScript;
with it, htmx swaps the results in place and keeps the URL (back button included)."""

import logging
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from outings.catalog.models import CATEGORY_NAMES
from outings.search import cache
from outings.search.engine import SearchTimeout
from outings.search.engine import search as run_search
from outings.search.forms import ExploreForm
from outings.search.query import InvalidSearch, SearchPage
from outings.search.related import autocomplete

logger = logging.getLogger(__name__)


@require_GET
@vary_on_headers("HX-Request")
def explore(request: HttpRequest) -> HttpResponse:
    form = ExploreForm(request.GET)
    page: SearchPage | None = None
    problems: list[str] = []
    if form.is_valid():
        try:
            query = form.to_query(
                language=(get_language() or "en")[:2],
                time_zone=timezone.get_current_timezone_name(),
            )
            page = (
                run_search(query) if request.user.is_authenticated else cache.cached_search(query)
            )
        except InvalidSearch as error:
            problems = [message for messages in error.fields.values() for message in messages]
        except SearchTimeout as error:
            problems = [error.message]
    else:
        problems = [
            f"{form.fields[name].label or name}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        ]
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "problems": problems,
        "category_names": CATEGORY_NAMES,
        "base_query": params.urlencode(),
        "next_url": ("?" + urlencode([*params.lists(), ("cursor", [page.next_cursor])], doseq=True))
        if page and page.next_cursor
        else None,
        "selected_categories": set(form.cleaned_data.get("category") or [])
        if form.is_valid()
        else set(),
    }
    template = (
        "search/_results.html" if request.headers.get("HX-Request") else "search/explore.html"
    )
    return render(request, template, context, status=400 if problems else 200)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the explore box, as a list htmx drops under it."""
    prefix = request.GET.get("q", "")[:100]
    return render(
        request,
        "search/_suggestions.html",
        {"completions": autocomplete(prefix=prefix), "category_names": CATEGORY_NAMES},
    )
