from celery import shared_task
from django.utils import timezone

from outings.search import services


@shared_task(ignore_result=True)
def refresh_lexicon() -> None:
    """Periodic: new titles and places reach "did you mean" and autocomplete, and bookings and
    a listing's age its ranking, within the hour."""
    services.refresh_lexicon()
    services.refresh_ranking(now=timezone.now())
