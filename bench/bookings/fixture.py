"""Make the bookings bench's data, fresh on every run, and write the plan the load workers read:
`python -m bench.bookings.fixture PLAN.json`, run by the section with DATABASE_URL naming the
bookings bench database. Never point it at another database: it starts by emptying every table
of the database it runs on (`manage.py flush`), so that every run measures the same tables.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 1:
        print("usage: python -m bench.bookings.fixture PLAN.json", file=sys.stderr)
        return 2
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.bookings import data

    call_command("flush", interactive=False, verbosity=0)
    plan = data.build()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Path(args[0]).write_text(json.dumps(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
