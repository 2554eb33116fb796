"""`{% load notifications %}{% live_updates %}` in the base template: the bell with its unread
count, and live.js configured for the current user (one query for a signed-in user, none for a
visitor)."""

from typing import Any

from django import template
from django.db.models import Count, Max, Q

from outings.notifications.models import Notification

register = template.Library()


@register.inclusion_tag("notifications/_live.html", takes_context=True)
def live_updates(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signed_in": False}
    totals = Notification.objects.filter(user=user).aggregate(
        unread=Count("id", filter=Q(read_at=None)), latest=Max("id")
    )
    return {
        "signed_in": True,
        "user_id": user.pk,
        "unread": totals["unread"],
        "latest": totals["latest"] or 0,
    }
