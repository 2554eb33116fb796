"""With the broker down every nudge that tried to publish logged "could not nudge queue ...": one
per process every NUDGE_FLAG_SECONDS (a refused publish takes kombu 2 s, so the flags then hold
back the next commits' nudges for 10 s), and one per queue for every nudge that looks at no flag,
in every web worker and Celery worker: dozens of warnings a minute for one outage. The broker's
outage is logged once when it begins, at most once a minute while it lasts and once when it
ends (outings.common.outage), like the cache's; the nudges still try meanwhile, as before.

A real broker that refuses: CELERY_BROKER_URL pointed at a closed port, in a process of its own
(the Celery app reads its broker once)."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from outings.common.tests.test_operations import ROOT

NUDGES = """
import logging, django
django.setup()
from outings.common.outbox import tasks
lines = []
class Collect(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())
tasks.logger.addHandler(Collect())
for queue in ("urgent", "default", "urgent"):
    tasks.nudge(queue, coalesce=False)  # none held back by a flag
print("\\n".join(lines))
"""


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("amqp"), reason="the services profile's broker"
)
def test_nudges_while_the_broker_refuses_log_its_outage_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CELERY_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{port}//"}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"

    result = subprocess.run(
        [sys.executable, "-c", NUDGES],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines  # 3 before
    assert lines[0].startswith("outbox: the broker unavailable (OperationalError: "), lines
    assert lines[0].endswith("the sweep delivers the outbox's messages until it is back")
