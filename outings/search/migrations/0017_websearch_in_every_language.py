"""`outings_websearch_any(text)`: the text as a web search (websearch_to_tsquery) in every
configuration a listing's document is written in (0001: English, German, French, Russian,
Spanish, and `outings_simple` for names), the distinct readings OR-ed into one tsquery.

The search read the text in each configuration and OR-ed the six results in the statement:
"musee" became 'muse' | 'muse' | 'muse' | 'musee' | 'muse' | 'musee', and PostgreSQL, which
estimates an OR of lexemes as the sum of their frequencies, expected 73,000 matches where 9,846
matched, and scanned the whole listings table instead of its GIN index (42 -> 232 ms on the
bench catalogue). Here each reading appears once. The function is immutable and a search passes
its text as a literal, so PostgreSQL computes the tsquery once, when it plans the statement,
and plans with the constant."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION outings_websearch_any(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(string_agg(DISTINCT '(' || reading || ')', ' | ')::tsquery, ''::tsquery)
    FROM (
        SELECT websearch_to_tsquery(config, query)::text AS reading
        FROM unnest(ARRAY['outings_english', 'outings_german', 'outings_french',
                          'outings_russian', 'outings_spanish', 'outings_simple']::regconfig[])
             AS config
    ) AS readings
    WHERE reading <> ''
$$;
"""
BACKWARD = "DROP FUNCTION IF EXISTS outings_websearch_any(text);"


class Migration(migrations.Migration):
    dependencies = [("search", "0016_content_version_at_commit")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
