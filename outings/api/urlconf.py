"""The URLconf of requests under /api/ (set by ApiMiddleware as `request.urlconf`): the project's
own routes, so that reversing works as everywhere else, with error views that answer JSON in the
API's error shape instead of rendering the site's HTML error pages."""

from config.urls import urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

handler400 = "outings.api.views.bad_request"
handler403 = "outings.api.views.permission_denied"
handler404 = "outings.api.views.not_found"
handler500 = "outings.api.views.server_error"
