"""stats_local_day (0004) is PARALLEL UNSAFE: it catches an unknown zone in a PL/pgSQL EXCEPTION
block, a subtransaction at every call, which PostgreSQL refuses under a parallel plan ("cannot
start subtransactions during a parallel operation"; its documentation asks such a function to be
marked so). Declared PARALLEL SAFE, a statement that calls it failed whenever the planner chose a
parallel plan for it: cache warming's most viewed listings, a scan of every public listing, on a
large catalogue. Unsafe, the planner plans those statements serially."""

from django.db import migrations

SIGNATURE = "stats_local_day(text, timestamptz)"


class Migration(migrations.Migration):
    dependencies = [("stats", "0004_local_day")]

    operations = [
        migrations.RunSQL(
            f"ALTER FUNCTION {SIGNATURE} PARALLEL UNSAFE;",
            f"ALTER FUNCTION {SIGNATURE} PARALLEL SAFE;",
        )
    ]
