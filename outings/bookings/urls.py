from django.urls import path

from outings.bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.my_bookings, name="mine"),
    path("new/", views.book, name="book"),
    path("<str:reference>/", views.booking_detail, name="detail"),
    path("<str:reference>/calendar.ics", views.booking_ics, name="ics"),
    path("transfer/<str:secret>/", views.accept_transfer, name="transfer"),
]
