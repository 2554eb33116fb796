"""Start with the bundled demo rates so a search in any listed currency works from the first
migration; `manage.py load_exchange_rates FILE` replaces them with real ones."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

BUNDLED = Path(__file__).resolve().parents[3] / "data" / "exchange_rates.csv"


def load(apps, schema_editor):
    ExchangeRate = apps.get_model("search", "ExchangeRate")
    if ExchangeRate.objects.exists():
        return
    with BUNDLED.open(newline="", encoding="utf-8") as handle:
        ExchangeRate.objects.bulk_create(
            ExchangeRate(currency=row["currency"], per_euro=Decimal(row["per_euro"]),
                         exponent=int(row["exponent"]))
            for row in csv.DictReader(handle)
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0004_place_coordinates")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
