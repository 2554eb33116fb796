"""Writes to categories (staff, through the admin)."""

from django.db import transaction
from django.db.models import F

from outings.catalog.models import Category, Listing


@transaction.atomic
def save_category(*, category: Category, slug_changed: bool) -> None:
    """Save a category as staff edited it. A new slug is shown by every listing of the category
    (the API's `category`, the host's listing): their versions move, so each listing's ETag and
    versioned cache keys change with it, and a client holding an old ETag reads the new slug
    instead of a 304. Setting category_id to itself also fires the search trigger (UPDATE OF
    category_id), which writes the new slug into each search document. One statement: each
    row is locked FOR NO KEY UPDATE, as every listing edit locks it."""
    category.save()
    if slug_changed:
        Listing.objects.filter(category=category).update(
            version=F("version") + 1, category_id=F("category_id")
        )
