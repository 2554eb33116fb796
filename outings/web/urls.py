from django.urls import path

from outings.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("things-to-do/", views.listing_list, name="listings"),
    path("things-to-do/<int:pk>/", views.listing_detail, name="listing"),
]
