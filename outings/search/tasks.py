from celery import shared_task

from outings.search import services


@shared_task(ignore_result=True)
def refresh_lexicon() -> None:
    """Periodic: new titles and places reach "did you mean" and autocomplete within the hour."""
    services.refresh_lexicon()
