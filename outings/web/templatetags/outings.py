"""Template filters and tags for the site's pages: `{% load outings %}`."""

from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django import template
from django.http import HttpRequest
from django.templatetags.tz import do_timezone
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.text import Truncator
from django.utils.translation import get_language_info, gettext, ngettext

from outings.accounts.requests import same_site_referer
from outings.catalog.models import Listing
from outings.common.zones import same_clock, zone_or_utc
from outings.web import formatting

register = template.Library()


@register.filter
def price(listing: Listing) -> str:
    """The listing's price per person in the viewer's language; "Free" when it costs nothing."""
    return formatting.format_price(listing.price_amount, listing.currency)


@register.filter
def duration(minutes: int | None) -> str:
    return "" if minutes is None else formatting.format_duration(minutes)


@register.filter
def distance(metres: float | None) -> str:
    return "" if metres is None else formatting.format_distance(metres)


@register.filter
def in_zone(value: datetime | None, zone_name: str) -> datetime | str:
    """The instant on the wall clock of `zone_name` (a listing's zone), kept there: the date and
    time filters applied next do not convert it back to the viewer's zone."""
    if value is None:
        return ""
    converted: datetime = do_timezone(value, zone_or_utc(zone_name))
    return converted


@register.filter
def another_clock(value: datetime | None, zone_name: str) -> bool:
    """Whether the viewer's clock (the current time zone) reads another time than the clock of
    `zone_name` at the instant `value`: only then does a page add "your time"."""
    if not isinstance(value, datetime):
        return False
    return not same_clock(value, timezone.get_current_timezone(), zone_or_utc(zone_name))


@register.filter(expects_localtime=True)
def with_zone(value: datetime | None, format_name: str = "DATETIME_FORMAT") -> str:
    """The instant in the viewer's zone, in the language's named format, followed by the zone's
    abbreviation ("12:51 CEST"): a deadline names its zone like every other time on a page."""
    if not isinstance(value, datetime):
        return ""
    return f"{formats.date_format(value, format_name)} {formats.date_format(value, 'T')}"


@register.filter
def language_name(code: str) -> str:
    """A language's name in the page's language: "de" reads "German" on the English page and
    "Deutsch" on the German one (Django's own names and their translations, LANG_INFO). A code
    Django does not know stays as it is."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@register.filter
def title_in_its_language(listing: Listing) -> str:
    """A listing's title marked with the language it is written in, for a sentence or a link
    that says more than the title ("“Stadtführung durch Köln” was sent back"), so that a screen
    reader reads it in that language's voice; elsewhere the element around it carries `lang`."""
    return format_html('<span lang="{}">{}</span>', listing.content_language, listing.title)


@register.filter
def http_url(url: str) -> str:
    """The URL if it is http(s), else "": imported URLs never become javascript: links, and one
    that is no URL at all (`http://[`, kept by the importers' url_or_blank) no link either."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # a bracket it cannot close: urlsplit raised, and the page answered 500
        return ""
    return url if scheme.lower() in {"http", "https"} else ""


@register.filter
def osm_url(listing: Listing) -> str:
    """A link to OpenStreetMap centred on the listing, or "" without coordinates. Built here, not
    in the template, so that German number formatting never turns 52.5 into 52,5."""
    if listing.latitude is None or listing.longitude is None:
        return ""
    lat, lng = f"{listing.latitude:.5f}", f"{listing.longitude:.5f}"
    query = urlencode({"mlat": lat, "mlon": lng})
    return f"https://www.openstreetmap.org/?{query}#map=16/{lat}/{lng}"


@register.filter
def attribution(listing: Listing, short: str = "") -> str:
    """The credit line the listing's licence requires, escaped, with the source URL it names
    turned into a link (shortened on cards: `listing|attribution:"short"`)."""
    text = listing.attribution
    url = http_url(listing.source_url)
    if not url or url not in text:
        return conditional_escape(text)
    before, after = text.split(url, 1)
    label = Truncator(url).chars(32) if short else url
    return format_html('{}<a href="{}" rel="noopener">{}</a>{}', before, url, label, after)


@register.simple_tag(takes_context=True)
def return_path(context: template.Context) -> str:
    """Where the language menu returns to (`next`): the page itself when a GET shows it. A page
    that answers a form sent (a refused booking, at /bookings/new/) has an address that takes no
    GET or shows something else: the menu returns to the page the form was sent from, by the
    request's Referer when it is this site's, else to the home page."""
    request: HttpRequest = context["request"]
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return same_site_referer(request) or "/"


@register.filter
def money(amount: int | None, currency: str) -> str:
    """`amount` minor units of `currency` in the viewer's language (a booking's price or refund):
    `{{ booking.total_price|money:booking.currency }}`. Zero reads as zero, not "Free"."""
    return "" if amount is None else formatting.format_money(amount, currency)


@register.simple_tag
def seats_left_forms() -> dict[str, str]:
    """The sentences a date's seats left read in, for notifications/live.js to pick from when
    the number changes on an open page: the form for one seat and the form for any other
    number, each with "%(n)s" where the number goes (the search cards' sentence), and "Sold
    out". One form and another are all the site's languages have (English and German:
    plural=(n != 1)); a language with more would need the script to know its plural rule."""
    return {
        "one": ngettext("%(n)s seat left", "%(n)s seats left", 1),
        "other": ngettext("%(n)s seat left", "%(n)s seats left", 2),
        "sold_out": gettext("Sold out"),
    }
