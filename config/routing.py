from typing import Any

from django.urls import path

from outings.notifications.consumers import ListingConsumer, NotificationConsumer

# Websocket routes (config/asgi.py wraps them in the Origin check and the session's user).
websocket_urlpatterns: list[Any] = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/listings/<int:listing_id>/", ListingConsumer.as_asgi()),
]
