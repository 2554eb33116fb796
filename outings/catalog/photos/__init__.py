"""Listing photos: checked uploads (images.py), writes (services.py), background renditions
(renditions.py, run through the outbox by handlers.py) and reads (selectors.py).

The public listing page shows the ready ones with `photos_for_listing(listing, ready_only=True)`
and the template snippet `hosting/_photos.html` (the host's pages: every photo, with
`{% load hosting %}{% listing_photos listing %}`).
"""

from outings.catalog.photos.selectors import PhotoView, photos_for_listing

__all__ = ["PhotoView", "photos_for_listing"]
