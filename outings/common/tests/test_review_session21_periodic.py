"""Every entry of beat's schedule expires by its next-but-one run (docs/background-work.md), but
the statistics flush expired after a fixed 120 s, whatever STATS_FLUSH_SECONDS said: flushing
every 600 s, a flush that waited two minutes behind the slow queue's photos was dropped, and
the views waited for the next one; flushing every 10 s, twelve piled up behind a busy queue."""

import pytest

from outings.common.tests.test_review_session13_ops import shown_setting


@pytest.mark.parametrize("seconds", ["10", "600"])
def test_the_stats_flush_expires_by_its_next_but_one_run(seconds: str) -> None:
    expires = shown_setting(
        "settings.CELERY_BEAT_SCHEDULE['stats-flush']['options']['expires']",
        STATS_FLUSH_SECONDS=seconds,
    )

    assert float(expires) == float(seconds) * 2
