"""Autocomplete's titles are rebuilt hourly (refresh_lexicon), but a title whose listing stops
being public (paused, unpublished, deleted, its host suspended) must leave at once: these
triggers delete its suggestion in the statement that hides the listing. Checking every
suggestion against its listing when reading instead cost autocomplete 0.3-0.5 ms a call
(docs/benchmarks.md, "Search")."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION outings_forget_listing_suggestions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_suggestion WHERE listing_id = OLD.id;
    RETURN NULL;
END $$;

CREATE FUNCTION outings_forget_host_suggestions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_suggestion s USING catalog_listing l
    WHERE s.listing_id = l.id AND l.host_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER catalog_listing_hidden_forgets_suggestions
    AFTER UPDATE OF status ON catalog_listing FOR EACH ROW
    WHEN (OLD.status = 'published' AND NEW.status <> 'published')
    EXECUTE FUNCTION outings_forget_listing_suggestions();

CREATE TRIGGER catalog_listing_deleted_forgets_suggestions
    AFTER DELETE ON catalog_listing FOR EACH ROW
    EXECUTE FUNCTION outings_forget_listing_suggestions();

CREATE TRIGGER accounts_hostprofile_suspended_forgets_suggestions
    AFTER UPDATE OF suspended_at ON accounts_hostprofile FOR EACH ROW
    WHEN (OLD.suspended_at IS NULL AND NEW.suspended_at IS NOT NULL)
    EXECUTE FUNCTION outings_forget_host_suggestions();
"""

BACKWARD = """
DROP TRIGGER accounts_hostprofile_suspended_forgets_suggestions ON accounts_hostprofile;
DROP TRIGGER catalog_listing_deleted_forgets_suggestions ON catalog_listing;
DROP TRIGGER catalog_listing_hidden_forgets_suggestions ON catalog_listing;
DROP FUNCTION outings_forget_host_suggestions();
DROP FUNCTION outings_forget_listing_suggestions();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0009_rates_for_every_currency"),
        ("accounts", "0004_apitoken_user_index"),
        ("catalog", "0006_fk_indexes_led_by_meta"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
