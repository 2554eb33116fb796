"""Writes to categories (staff, through the admin)."""

from django.db import transaction
from django.db.models import F

from outings.catalog.models import Category, Listing


@transaction.atomic
def save_category(*, category: Category, slug_changed: bool) -> None:
    """Save a category as staff edited it. A new slug is shown by every listing of the category
    (the API's `category`, the host's listing): their versions move, so each listing's ETag and
    versioned cache keys change with it, and a client holding an old ETag reads the new slug
    instead of a 304. The search trigger fires on an UPDATE naming category_id when a column it
    reads or the document itself changes (search.0020): category_id set to itself and the
    document emptied make it write the new slug into each search document. One statement:
    each row is locked FOR NO KEY UPDATE, as every listing edit locks it."""
    category.save()
    if slug_changed:
        Listing.objects.filter(category=category).update(
            version=F("version") + 1, category_id=F("category_id"), search_vector=None
        )
