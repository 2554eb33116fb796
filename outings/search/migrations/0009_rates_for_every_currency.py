"""Demo rates for every currency a host may price in (catalog.services.CURRENCIES): a listing in
a currency without a rate has no price in the viewer's currency, cannot be filtered by price and
sorted last. Adds the bundled rates that are missing; a rate already there (the bundled one, or
one loaded with `manage.py load_exchange_rates`) is kept."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

BUNDLED = Path(__file__).resolve().parents[3] / "data" / "exchange_rates.csv"


def add_missing(apps, schema_editor):
    ExchangeRate = apps.get_model("search", "ExchangeRate")
    known = set(ExchangeRate.objects.values_list("currency", flat=True))
    with BUNDLED.open(newline="", encoding="utf-8") as handle:
        ExchangeRate.objects.bulk_create(
            ExchangeRate(currency=row["currency"], per_euro=Decimal(row["per_euro"]),
                         exponent=int(row["exponent"]))
            for row in csv.DictReader(handle)
            if row["currency"] not in known
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0008_listing_place")]

    operations = [migrations.RunPython(add_missing, migrations.RunPython.noop)]
