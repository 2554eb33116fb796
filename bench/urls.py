"""The production URLs plus the bench-only views, which come first so that resolving them costs
what resolving a short production URL costs."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/hello", views.hello, name="bench-hello"),
    path("bench/listing/<int:pk>", views.listing, name="bench-listing"),
    path("bench/pid", views.pid, name="bench-pid"),
    path("", include("config.urls")),
]
