"""The host API: a host's own listings, photos, schedules, slots and the bookings on them under
/api/v1/host/.
Anyone signed in may call it; a caller who is not a host gets 403 `not_a_host`, and another
host's listing (or its photos, schedules, slots) is 404. See docs/hosting.md."""

from ninja import Router

from outings.api.routes.hosting import bookings, listings, photos, schedules, stats

router = Router()
router.add_router("", listings.router)
router.add_router("", photos.router)
router.add_router("", schedules.router)
router.add_router("", bookings.router)
router.add_router("", stats.router)
