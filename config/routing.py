from typing import Any

# Websocket routes; the notifications issue adds its consumers here.
websocket_urlpatterns: list[Any] = []
