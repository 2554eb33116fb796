"""Every entry of beat's schedule expires by its next-but-one run (docs/background-work.md), but
the statistics flush expired after a fixed 120 s, whatever STATS_FLUSH_SECONDS said: flushing
every 600 s, a flush that waited two minutes behind the slow queue's photos was dropped, and
the views waited for the next one; flushing every 10 s, twelve piled up behind a busy queue."""

import subprocess

import pytest

from outings.common.tests.test_operations import PY, ROOT, _env
from outings.common.tests.test_review_session13_ops import SERVICES

SHOW = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CELERY_BEAT_SCHEDULE['stats-flush']['options']['expires'])"
)


@pytest.mark.parametrize("seconds", ["10", "600"])
def test_the_stats_flush_expires_by_its_next_but_one_run(seconds: str) -> None:
    shown = subprocess.run(
        [PY, "-c", SHOW],
        cwd=ROOT,
        env={
            **_env(**SERVICES, STATS_FLUSH_SECONDS=seconds),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert shown.returncode == 0, shown.stderr
    assert float(shown.stdout) == float(seconds) * 2
