import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Listing
from outings.catalog.tests.factories import category as category_by_slug
from outings.hosting.tests.fixtures import categories  # noqa: F401 - a fixture
from outings.scheduling.models import Slot
from outings.search.services import load_exchange_rates

_numbers = itertools.count(1)


@pytest.fixture
def rates(db: None) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")


@pytest.fixture
def host(db: None) -> HostProfile:
    n = next(_numbers)
    user = User.objects.create(username=f"host{n}", email=f"host{n}@example.org")
    return HostProfile.objects.create(user=user, display_name=f"Host {n}")


@pytest.fixture
def make_listing(host: HostProfile, rates: None) -> Any:
    def make(title: str, **fields: Any) -> Listing:
        category = fields.pop("category", "tours")
        defaults: dict[str, Any] = {
            "status": Listing.Status.PUBLISHED,
            "content_language": "en",
            "city": "Toronto",
            "country_code": "CA",
            "currency": "CAD",
            "price_amount": 2000,
            "duration_minutes": 90,
            "languages": ["en"],
            "latitude": 43.65,
            "longitude": -79.38,
            "time_zone": "America/Toronto",
        }
        defaults.update(fields)
        return Listing.objects.create(
            host=host, category=category_by_slug(category), title=title, **defaults
        )

    return make


@pytest.fixture
def make_slot() -> Any:
    def make(
        listing: Listing,
        *,
        in_days: float = 0,
        starts_at: datetime | None = None,  # instead of in_days: an instant to the minute
        capacity: int = 10,
        taken: int = 0,
        status: str = Slot.Status.OPEN,
    ) -> Slot:
        start = starts_at or timezone.now() + timedelta(days=in_days)
        return Slot.objects.create(
            listing=listing,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=capacity,
            seats_taken=taken,
            status=status,
        )

    return make


@pytest.fixture
def walks(make_listing: Any) -> list[int]:
    """Five walks that the text ranks alike (ties go to the higher id), the lower ids the newer:
    the ranking refresh's freshness then reverses their order."""
    now = timezone.now()
    ids = [make_listing(f"harbour walk {n}").pk for n in range(5)]
    for age, pk in enumerate(ids):
        Listing.objects.filter(pk=pk).update(created_at=now - timedelta(days=5 * age))
    return ids
