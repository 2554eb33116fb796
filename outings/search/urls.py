from django.urls import path

from outings.search import views

app_name = "search"

urlpatterns = [
    path("", views.explore, name="explore"),
    path("suggest", views.suggest, name="suggest"),
]
