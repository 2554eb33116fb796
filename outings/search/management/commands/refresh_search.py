from typing import Any

from django.core.management.base import BaseCommand

from outings.search.services import refresh_lexicon


class Command(BaseCommand):
    help = "Rebuild the search lexicon (did you mean) and autocomplete suggestions."

    def handle(self, *args: Any, **options: Any) -> None:
        words = refresh_lexicon()
        self.stdout.write(f"search lexicon refreshed: {words} words")
