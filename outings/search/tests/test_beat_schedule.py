"""Beat rebuilds the lexicon and suggestions ("did you mean", autocomplete) periodically, as
docs/search.md says: new and renamed listings reach them without anyone running a command."""

from django.conf import settings

from config.celery import app
from outings.search import tasks


def test_beat_runs_refresh_lexicon_periodically() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.refresh_lexicon.name in app.tasks  # the task exists and is registered
    assert tasks.refresh_lexicon.name in scheduled, sorted(scheduled)
