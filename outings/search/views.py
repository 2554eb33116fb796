"""The explore page: one GET form whose URL holds the whole state. Works without JavaScript;
with it, htmx swaps the results in place and keeps the URL (back button included)."""

import logging
from collections.abc import Iterable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from outings.catalog.models import CATEGORY_NAMES
from outings.common.pagecache import cached_page
from outings.common.zones import known_zone
from outings.search import cache
from outings.search.engine import SearchTimeout
from outings.search.engine import search as run_search
from outings.search.forms import ExploreForm
from outings.search.query import FacetValue, InvalidSearch, SearchPage
from outings.search.related import Completion, autocomplete

logger = logging.getLogger(__name__)


@require_GET
@vary_on_headers("HX-Request")
def explore(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors' pages come whole from the page cache, keyed by the same catalogue
    version as the search inside them; a signed-in visitor's search is run for them."""
    if request.user.is_authenticated:
        return _explore(request, version=None)
    versions = cache.public_versions()
    return cached_page(
        request,
        lambda: _explore(request, version=versions[0]),
        versions=versions,
        timeout=cache.SAFETY_TIMEOUT,
    )


def _explore(request: HttpRequest, *, version: int | None) -> HttpResponse:
    params = _without_a_stale_area(request.GET)
    form = ExploreForm(params)
    page: SearchPage | None = None
    problems: list[str] = []
    wrong: set[str] = set()  # the fields named in `problems`
    status = 200
    applied_sort = request.GET.get("sort", "")
    if form.is_valid():
        try:
            query = form.to_query(time_zone=timezone.get_current_timezone_name())
            applied_sort = query.sort  # "distance" near a place without words, if not chosen
            page = (
                run_search(query)
                if version is None
                else cache.cached_search(query, version=version)
            )
        except InvalidSearch as error:
            # Named by the field, as the form's own mistakes are: "From: A date from …".
            problems = [_problem(form, name, messages) for name, messages in error.fields.items()]
            wrong = set(error.fields)
            status = 400
        except SearchTimeout as error:
            # Its message is the code's English (gettext_noop), looked up in the page's
            # language here, as the API's error body does (English on the German page until
            # session 24).
            problems = [gettext(error.message)]
            status = error.status_code
    else:
        problems = [_problem(form, name, errors) for name, errors in form.errors.items()]
        wrong = set(form.errors)
        status = 400
    params = params.copy()
    params.pop("cursor", None)
    # The categories as chosen, even when another field has a mistake (cleaned_data keeps
    # the fields that are right), so that the form still carries them.
    selected = set(form.cleaned_data.get("category") or [])
    context = {
        "form": form,
        "page": page,
        "problems": problems,
        "category_names": CATEGORY_NAMES,
        "suggestion_url": _suggestion_url(params, page.suggestion if page else None),
        # A page of another search (or of this one in another time zone): its first page.
        "restart_url": "?" + params.urlencode() if "cursor" in wrong else None,
        "next_url": _page_url(params, page.next_cursor if page else None),
        "previous_url": _page_url(params, page.previous_cursor if page else None),
        "selected_categories": selected,
        "category_facets": _category_facets(page, selected),
        "applied_sort": applied_sort,
        "zone": zone if known_zone(zone := request.GET.get("tz", "")) else "",
        "result_count": _result_count(page, selected) if page else None,
    }
    template = "search/_swap.html" if request.headers.get("HX-Request") else "search/explore.html"
    return render(request, template, context, status=status)


def _without_a_stale_area(params: QueryDict) -> QueryDict:
    """The search without its map area ("search this area", `bbox`) when the place it was
    searched around (`area_near`, which the form carries beside it) is no longer the place in
    "Near": the visitor typed another place, or cleared it, with the box still in the form (a
    hidden field, which a page without JavaScript sends as it was). A box without its place
    (a shared or an API-made URL) is searched as given."""
    if not params.get("bbox") or "area_near" not in params:
        return params
    around, near = params.get("area_near", ""), params.get("near", "")
    if around.strip().casefold() == near.strip().casefold():
        return params
    kept = params.copy()
    del kept["bbox"]
    del kept["area_near"]
    return kept


def _suggestion_url(params: QueryDict, suggestion: str | None) -> str | None:
    """The same search with the suggestion as its text (its only `q`), from its first page."""
    if suggestion is None:
        return None
    again = params.copy()
    again["q"] = suggestion
    return "?" + again.urlencode()


def _page_url(params: QueryDict, cursor: str | None) -> str | None:
    """The same search at another page (None without a cursor to it)."""
    if cursor is None:
        return None
    return "?" + urlencode([*params.lists(), ("cursor", [cursor])], doseq=True)


def _problem(form: ExploreForm, name: str, messages: Iterable[object]) -> str:
    """A mistake to fix, named by its field's label in the page's language."""
    field = form.fields.get(name)
    label = field.label if field is not None and field.label else name
    return f"{label}: {' '.join(str(message) for message in messages)}"


def _category_facets(page: SearchPage | None, selected: set[str]) -> list[FacetValue]:
    """The category checkboxes: the facet's values, and any selected category that matched
    nothing (with a count of 0), so that it stays ticked and can be unticked."""
    values = list(page.facets.get("category", [])) if page else []
    shown = {value.value for value in values}
    values += [FacetValue(value=slug, count=0, selected=True) for slug in sorted(selected - shown)]
    return values


def _result_count(page: SearchPage, selected: set[str]) -> int:
    """Every match of the search, on every page: a listing has one category, and the category
    facet counts each match within the other facets' selections, so its counts in the
    categories chosen (or in all of them) add up to the matches."""
    return sum(
        value.count
        for value in page.facets.get("category", [])
        if not selected or value.value in selected
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the explore box, as a list htmx drops under it. The box sends the
    whole form, so that a place's or a category's link keeps every other filter."""
    prefix = request.GET.get("q", "")[:100]
    return render(
        request,
        "search/_suggestions.html",
        {
            "completions": [
                (completion, _chosen_url(request.GET, completion))
                for completion in autocomplete(prefix=prefix)
            ],
            "category_names": CATEGORY_NAMES,
        },
    )


def _chosen_url(params: QueryDict, completion: Completion) -> str | None:
    """The search of the form with a place or a category suggestion chosen, from its first
    page and without the text typed (which was for the suggestion): a place is the new "Near",
    without the map area or the point of the old one; a category is ticked beside those
    already chosen. None for a title, which links to its listing."""
    if completion.kind == "title" and completion.listing_id:
        return None
    chosen = [
        (name, value)
        for name, values in _without_a_stale_area(params).lists()
        if name not in ("q", "cursor")
        for value in values
        if value
    ]
    if completion.kind != "category":
        away = {"near", "bbox", "area_near", "lat", "lng"}
        chosen = [(name, value) for name, value in chosen if name not in away]
        chosen.append(("near", completion.label))
    elif ("category", completion.label) not in chosen:
        chosen.append(("category", completion.label))
    return f"{reverse('search:explore')}?{urlencode(chosen)}"
