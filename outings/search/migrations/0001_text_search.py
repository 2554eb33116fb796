"""The search document: text search configurations with unaccent, and the trigger that keeps
catalog_listing.search_vector current in the same statement as every write."""

from django.db import migrations

LANGUAGES = {
    "english": "english_stem",
    "german": "german_stem",
    "french": "french_stem",
    "russian": "russian_stem",
    "spanish": "spanish_stem",
    "simple": "simple",
}

CONFIGURATIONS = "\n".join(
    f"""
    CREATE TEXT SEARCH CONFIGURATION outings_{name} (COPY = {"simple" if name == "simple" else name});
    ALTER TEXT SEARCH CONFIGURATION outings_{name}
        ALTER MAPPING FOR hword, hword_part, word, asciihword, hword_asciipart, asciiword
        WITH unaccent, {stem};
    """
    for name, stem in LANGUAGES.items()
)

FUNCTIONS = """
CREATE FUNCTION outings_ts_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE language
        WHEN 'en' THEN 'outings_english' WHEN 'de' THEN 'outings_german'
        WHEN 'fr' THEN 'outings_french' WHEN 'ru' THEN 'outings_russian'
        WHEN 'es' THEN 'outings_spanish' ELSE 'outings_simple' END)::regconfig
$$;

-- Title (A); category, tags and city (B); summary and description (C), all in the listing's own
-- language; plus title, tags and city unstemmed (D) so that a query in another language still
-- finds the names of places and brands the texts share.
CREATE FUNCTION outings_listing_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    config regconfig := outings_ts_config(NEW.content_language);
    category text;
    names text := coalesce(array_to_string(NEW.tags, ' '), '') || ' ' || coalesce(NEW.city, '');
BEGIN
    SELECT slug INTO category FROM catalog_category WHERE id = NEW.category_id;
    NEW.search_vector :=
           setweight(to_tsvector(config, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector(config, coalesce(category, '') || ' ' || names), 'B')
        || setweight(to_tsvector(config, coalesce(NEW.summary, '') || ' '
                                         || coalesce(NEW.description, '')), 'C')
        || setweight(to_tsvector('outings_simple', coalesce(NEW.title, '') || ' ' || names), 'D');
    RETURN NEW;
END
$$;

CREATE TRIGGER listing_search_document
BEFORE INSERT OR UPDATE OF title, summary, description, tags, city, category_id, content_language
ON catalog_listing FOR EACH ROW EXECUTE FUNCTION outings_listing_search_document();

UPDATE catalog_listing SET title = title;
"""

REVERSE = """
DROP TRIGGER IF EXISTS listing_search_document ON catalog_listing;
DROP FUNCTION IF EXISTS outings_listing_search_document();
DROP FUNCTION IF EXISTS outings_ts_config(text);
""" + "\n".join(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS outings_{name};" for name in LANGUAGES)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_initial"),
        ("catalog", "0003_search_vector"),
    ]

    operations = [migrations.RunSQL(CONFIGURATIONS + FUNCTIONS, REVERSE)]
