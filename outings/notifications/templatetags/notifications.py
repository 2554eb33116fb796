"""`{% load notifications %}{% live_updates %}` in the base template: the bell with its unread
count, and live.js configured for the current user (one query for a signed-in user, none for a
visitor)."""

from typing import Any

from django import template

from outings.notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_live.html", takes_context=True)
def live_updates(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signed_in": False}
    counted, latest = selectors.bell(user=user)
    return {
        "signed_in": True,
        "user_id": user.pk,
        "unread": counted.unread,
        # The number the count was taken at: an event counted before the page was, arriving
        # after it, is older and leaves the bell as the page shows it (live.js).
        "unread_change": counted.change,
        "latest": latest,
    }
