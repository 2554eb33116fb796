"""Data the benchmarks need, made once and kept: never touches rows it did not create.

When the catalogue has fewer than MINIMUM_LISTINGS listings, we add FIXTURE_LISTINGS draft
listings (source="bench", is_demo=True) for a "Bench Host". Drafts, so that they never show on
the public explore page of a demo database; (source, source_id) is unique, so a second run, or a
run interrupted half-way, adds only what is missing.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bench.measure import BenchError
from outings.accounts.models import HostProfile, User
from outings.catalog.models import Category, Listing

SOURCE = "bench"
MINIMUM_LISTINGS = 1_000
FIXTURE_LISTINGS = 10_000
BATCH = 2_000
CITIES = ["Toronto", "Madrid", "Berlin", "Lisbon", "Denver", "Kyoto", "Oslo", "Lima"]


def ensure_schema() -> None:
    """Migrate a fresh database (no catalogue table yet). An existing one is left as it is: its
    pending migrations may be someone's work in progress."""
    if Listing._meta.db_table not in connection.introspection.table_names():
        print("bench | fresh database: applying migrations", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        return
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in pending)
        print(f"bench | warning: unapplied migrations ({names}); migrate if this fails")


@transaction.atomic
def ensure_listings() -> int:
    """Make sure there are at least MINIMUM_LISTINGS listings; return how many this call added."""
    if Listing.objects.count() >= MINIMUM_LISTINGS:
        return 0
    user, _ = User.objects.get_or_create(
        username="bench-host",
        defaults={
            "email": "bench-host@outings.localhost",
            "first_name": "Bench",
            "last_name": "Host",
            "password": make_password(None),  # unusable: nobody logs in as this account
        },
    )
    host, _ = HostProfile.objects.get_or_create(
        user=user, defaults={"display_name": "Bench Host", "is_demo": True}
    )
    categories = list(Category.objects.all())
    if not categories:
        categories = [Category.objects.create(slug="other", position=99)]
    listings = [
        Listing(
            host=host,
            category=categories[i % len(categories)],
            status=Listing.Status.DRAFT,
            title=f"Bench listing {i}",
            summary="A listing made by `make bench`, for measuring.",
            description="Benchmark fixture. " * 20,
            tags=["bench"],
            languages=["en"],
            duration_minutes=60 + 30 * (i % 6),
            price_amount=500 * (i % 40),
            city=CITIES[i % len(CITIES)],
            country_code="CA",
            source=SOURCE,
            source_id=str(i),
            is_demo=True,
        )
        for i in range(FIXTURE_LISTINGS)
    ]
    before = Listing.objects.count()
    Listing.objects.bulk_create(listings, batch_size=BATCH, ignore_conflicts=True)
    return Listing.objects.count() - before


def listing_ids(limit: int = 10_000) -> list[int]:
    """Up to `limit` existing listing ids, spread over the whole table."""
    ids = list(Listing.objects.order_by("?").values_list("pk", flat=True)[:limit])
    if not ids:
        raise BenchError("no listings to look up")
    return ids
