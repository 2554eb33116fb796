"""Listing photos: checked uploads (images.py), writes (services.py), background renditions
(renditions.py, run through the outbox by handlers.py) and reads (selectors.py).

The public listing page shows them with `photos_for_listing(listing)` and the template snippet
`hosting/_photos.html` (or `{% load hosting %}{% listing_photos listing %}`).
"""

from outings.catalog.photos.selectors import PhotoView, photos_for_listing

__all__ = ["PhotoView", "photos_for_listing"]
