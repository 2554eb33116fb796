"""stats_local_day(zone, at): the day `at` falls on in `zone`, or in UTC when PostgreSQL knows no
such zone (a listing's time zone written before the field was checked). PostgreSQL's own
timezone(zone, at) raises for an unknown zone, and one such listing failed every flush of the
view buffer (every listing's views, batch after batch) and the host's dashboard."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION stats_local_day(zone text, at timestamptz) RETURNS date
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN timezone(zone, at)::date;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN timezone('UTC', at)::date;
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS stats_local_day(text, timestamptz);"


class Migration(migrations.Migration):
    dependencies = [("stats", "0003_flushedbatch")]

    operations = [migrations.RunSQL(CREATE, DROP)]
