from django.urls import path

from outings.api.main import api, index

urlpatterns = [path("", index, name="api-v1-index"), path("", api.urls)]
