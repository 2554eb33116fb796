from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from outings.api.main import index as api_index
from outings.common.views import health, live, media, ready
from outings.web import views as web_views

# Staff sign in through the site's own log-in (allauth), not the admin's form: its failed-login
# limits then guard staff passwords too. The admin's login page sends a visitor there with
# `next`, and lets a signed-in staff member through (django-allauth's documented recipe).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# A form Django could not read (too many files, ...): a page that says so, not a bare 400.
handler400 = "outings.web.uploads.bad_request"

urlpatterns = [
    path("health", health, name="health"),
    path("health/ready", ready, name="health-ready"),
    path("health/live", live, name="health-live"),
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # The API's address without its slash too: APPEND_SLASH answered it with an HTML redirect.
    path("api/v1", api_index),
    path("api/v1/", include("outings.api.urls")),
    path("notifications/", include("outings.notifications.urls")),
    path("explore/", include("outings.search.urls")),
    path("accounts/", include("outings.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("host/", include("outings.hosting.urls")),
    path("bookings/", include("outings.bookings.urls")),
    path("", include("outings.web.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Media on this machine's disk (the embedded profile, or one server without a bucket):
    # served by Django, path-checked by `serve`, sandboxed (outings.common.views.media). With
    # S3-compatible storage the bucket (or a CDN in front of it) serves them and this route does
    # not exist.
    urlpatterns.insert(0, re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", media))
