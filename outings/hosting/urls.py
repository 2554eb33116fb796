from django.urls import path

from outings.hosting.views import bookings, listings, photos, profile, schedules, stats

app_name = "hosting"

urlpatterns = [
    path("", listings.dashboard, name="dashboard"),
    path("become/", profile.become_host, name="become"),
    path("profile/", profile.edit_profile, name="profile"),
    path("people/<int:pk>/", profile.public_profile, name="public_profile"),
    path("listings/new/", listings.create_listing, name="create"),
    path("listings/<int:pk>/", listings.edit_listing, name="listing"),
    path("listings/<int:pk>/state/<str:action>/", listings.change_state, name="change_state"),
    path("listings/<int:pk>/stats/", stats.listing_stats, name="listing_stats"),
    path("listings/<int:pk>/photos/", photos.upload_photos, name="upload_photos"),
    path("listings/<int:pk>/photos/<int:photo_id>/", photos.change_photo, name="change_photo"),
    path("listings/<int:pk>/schedules/", schedules.schedules, name="schedules"),
    path(
        "listings/<int:pk>/schedules/<int:schedule_id>/",
        schedules.change_schedule,
        name="change_schedule",
    ),
    path(
        "listings/<int:pk>/schedules/<int:schedule_id>/exceptions/",
        schedules.schedule_exceptions,
        name="schedule_exceptions",
    ),
    path(
        "listings/<int:pk>/exceptions/<int:exception_id>/delete/",
        schedules.remove_exception,
        name="remove_exception",
    ),
    path("listings/<int:pk>/slots/<int:slot_id>/", schedules.change_slot, name="change_slot"),
    path("slots/<int:slot_id>/roster/", bookings.roster, name="roster"),
    path("slots/<int:slot_id>/roster.csv", bookings.roster_csv, name="roster_csv"),
    path("bookings/<reference:reference>/", bookings.decide, name="booking"),
]
