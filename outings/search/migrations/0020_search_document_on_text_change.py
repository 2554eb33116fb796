"""The search document's trigger (0001) rebuilt the document whenever an UPDATE named one of the
columns it reads, changed or not: the importer's one `UPDATE … FROM` per batch names them all,
and so does a model's full save (an admin save), so every changed row of a re-import paid for a
rebuild of a text that had not moved (five tsvectors and a read of the category). It is rebuilt
now when one of those columns holds a new value (a WHEN comparing OLD and NEW), still in the
statement that changes it; a new row gets its document as before.

A full save writes the document column too, with what its instance holds: None for an instance
made before the trigger wrote it, an old one for an instance read before an edit. That write,
next to the text columns, rebuilds it too, so a save never stores a document of its own. The
columns that fire it are 0001's: an UPDATE of the document alone still does not."""

from django.db import migrations

# What outings_listing_search_document() reads of the row (0001); and what it writes.
COLUMNS = ("title", "summary", "description", "tags", "city", "category_id", "content_language")
CHANGED = " OR ".join(
    f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in (*COLUMNS, "search_vector")
)

FORWARD = f"""
DROP TRIGGER listing_search_document ON catalog_listing;
CREATE TRIGGER listing_search_document
BEFORE INSERT ON catalog_listing
FOR EACH ROW EXECUTE FUNCTION outings_listing_search_document();
CREATE TRIGGER listing_search_document_on_edit
BEFORE UPDATE OF {", ".join(COLUMNS)} ON catalog_listing
FOR EACH ROW WHEN ({CHANGED})
EXECUTE FUNCTION outings_listing_search_document();
"""

BACKWARD = f"""
DROP TRIGGER listing_search_document_on_edit ON catalog_listing;
DROP TRIGGER listing_search_document ON catalog_listing;
CREATE TRIGGER listing_search_document
BEFORE INSERT OR UPDATE OF {", ".join(COLUMNS)}
ON catalog_listing FOR EACH ROW EXECUTE FUNCTION outings_listing_search_document();
"""


class Migration(migrations.Migration):
    dependencies = [("search", "0019_ranking_history")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
