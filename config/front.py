"""The embedded profile's single address: websockets to Channels, HTTP proxied to gunicorn.

In the services profile nginx does this split (deploy/nginx.conf); here asgiproxy does it so that
`make run` needs nothing installed. Production HTTP never passes through this module.
"""

import os
from typing import Any

from asgiproxy.config import BaseURLProxyConfigMixin, ProxyConfig
from asgiproxy.context import ProxyContext
from asgiproxy.proxies.http import proxy_http

from config.asgi import application as channels_application

UPSTREAM = os.environ.get("OUTINGS_WSGI_UPSTREAM", "http://127.0.0.1:8001/")


class _Upstream(BaseURLProxyConfigMixin, ProxyConfig):
    upstream_base_url = UPSTREAM
    rewrite_host_header = None


_context = ProxyContext(_Upstream())


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await channels_application(scope, receive, send)
    elif scope["type"] == "http":
        await proxy_http(context=_context, scope=scope, receive=receive, send=send)
    elif scope["type"] == "lifespan":
        message = await receive()
        while message["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        await _context.close()
        await send({"type": "lifespan.shutdown.complete"})
