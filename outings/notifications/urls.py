from django.urls import path

from outings.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("feed/", views.feed, name="feed"),
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("staff/mail/", views.staff_mail, name="staff_mail"),
]
