from django.urls import path

from outings.api.main import api

urlpatterns = [path("", api.urls)]
