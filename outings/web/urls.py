from django.urls import path

from outings.web import uploads, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("things-to-do/", views.listing_list, name="listings"),
    path("things-to-do/<int:pk>/", views.listing_detail, name="listing"),
    # What a proxy in front answers for a body it refused itself (outings.web.uploads).
    path("too-large/", uploads.too_large, name="too_large"),
]
