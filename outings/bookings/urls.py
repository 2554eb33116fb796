from django.urls import path

from outings.bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.my_bookings, name="mine"),
    path("new/", views.book, name="book"),
    path("waitlist/", views.join_waitlist, name="join_waitlist"),
    path("waitlist/<int:entry_id>/leave/", views.leave_waitlist, name="leave_waitlist"),
    path("transfer/<transfer_secret:secret>/", views.accept_transfer, name="transfer"),
    path("<reference:reference>/", views.booking_detail, name="detail"),
    path("<reference:reference>/confirm/", views.confirm, name="confirm"),
    path("<reference:reference>/cancel/", views.cancel, name="cancel"),
    path("<reference:reference>/calendar.ics", views.booking_ics, name="ics"),
    path("<reference:reference>/transfer/", views.offer_transfer, name="offer_transfer"),
    path(
        "<reference:reference>/transfer/withdraw/",
        views.withdraw_transfer,
        name="withdraw_transfer",
    ),
]
