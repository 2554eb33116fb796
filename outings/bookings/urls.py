from django.urls import path

from outings.bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.my_bookings, name="mine"),
    path("new/", views.book, name="book"),
    path("waitlist/", views.join_waitlist, name="join_waitlist"),
    path("waitlist/<int:entry_id>/leave/", views.leave_waitlist, name="leave_waitlist"),
    path("transfer/<str:secret>/", views.accept_transfer, name="transfer"),
    path("<str:reference>/", views.booking_detail, name="detail"),
    path("<str:reference>/confirm/", views.confirm, name="confirm"),
    path("<str:reference>/cancel/", views.cancel, name="cancel"),
    path("<str:reference>/calendar.ics", views.booking_ics, name="ics"),
    path("<str:reference>/transfer/", views.offer_transfer, name="offer_transfer"),
    path("<str:reference>/transfer/withdraw/", views.withdraw_transfer, name="withdraw_transfer"),
]
