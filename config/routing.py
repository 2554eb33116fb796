from typing import Any

from django.urls import path, re_path

from outings.notifications.consumers import ListingConsumer, NoSuchSocket, NotificationConsumer

# Websocket routes (config/asgi.py wraps them in the Origin check and the session's user).
websocket_urlpatterns: list[Any] = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/listings/<int:listing_id>/", ListingConsumer.as_asgi()),
    # Any other address: refused with 4404, not URLRouter's ValueError (a traceback, a 500).
    re_path(r"^.*$", NoSuchSocket.as_asgi()),
]
