from typing import Any

from django.utils import timezone

from outings.common import commands
from outings.search.services import refresh_lexicon, refresh_ranking


class Command(commands.Command):
    help = (
        "Rebuild the search lexicon (did you mean) and autocomplete suggestions, and the"
        " listings' ranking signals (bookings, freshness)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        words = refresh_lexicon()
        self.stdout.write(f"search lexicon refreshed: {words} words")
        listings = refresh_ranking(now=timezone.now())
        self.stdout.write(f"search ranking refreshed: {listings} listings changed")
