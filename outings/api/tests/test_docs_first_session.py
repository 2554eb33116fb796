"""docs/api.md's "A first session" works as written: each of its curl commands is run by bash,
as it stands in the document, against a live server (real HTTP, real PostgreSQL), with the
block's own exports except the server's address and the token, which are this test's. The ids
the reader takes from one answer into the next ($LISTING, $SLOT, $REFERENCE) are taken from
the answers the same way."""

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from outings.accounts.services import create_api_token
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, UserFactory, category
from outings.scheduling.models import Slot
from outings.search.services import load_exchange_rates

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed"),
]

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"


def session_block() -> tuple[dict[str, str], list[str]]:
    """The section's exports (name -> value as written) and its commands, each with its
    continuation lines joined, comments dropped."""
    section = DOC.read_text().split("## A first session", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    text = block.group(1).replace("\\\n", " ")
    exports: dict[str, str] = {}
    commands: list[str] = []
    for line in text.splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            for part in line.removeprefix("export ").split():
                name, value = part.split("=", 1)
                exports[name] = value
        else:
            commands.append(line)
    return exports, commands


def run(command: str, env: dict[str, str]) -> Any:
    done = subprocess.run(
        ["bash", "-c", command],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return json.loads(done.stdout)


def test_the_first_session_in_the_api_docs_books_a_date(live_server):
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    exports, commands = session_block()
    saturday = datetime.fromisoformat(exports["SAT"]).date()
    assert saturday.weekday() == 5  # the example's dates are a weekend
    walk = Listing.objects.create(
        host=HostProfileFactory.create(),
        category=category("tours"),
        title="Harbour walk",
        status=Listing.Status.PUBLISHED,
        content_language="en",
        city="Toronto",
        country_code="CA",
        currency="CAD",
        price_amount=2000,
        duration_minutes=90,
        languages=["en"],
        latitude=43.65,
        longitude=-79.38,
        time_zone="America/Toronto",
    )
    start = datetime.combine(saturday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)
    date = Slot.objects.create(
        listing=walk, starts_at=start, ends_at=start + timedelta(minutes=90), capacity=8
    )
    guest = UserFactory.create()
    env = {
        **exports,
        "OUTINGS": f"{live_server.url}/api/v1",
        "TOKEN": create_api_token(user=guest, name="docs").secret,
    }
    search, listing, slots, hold, confirm, upcoming = commands

    found = run(search, env)
    [hit] = found["results"]
    assert hit["id"] == walk.pk
    assert (hit["next_slot"]["slot_id"], hit["next_slot"]["seats_left"]) == (date.pk, 8)
    assert found["facets"]["category"] == [{"value": "tours", "count": 1, "selected": False}]
    env["LISTING"] = str(hit["id"])
    assert run(listing, env)["title"] == "Harbour walk"
    [offered] = run(slots, env)["items"]
    assert (offered["id"], offered["seats_left"]) == (date.pk, 8)
    env["SLOT"] = str(offered["id"])

    held = run(hold, env)
    assert (held["status"], held["seats"]) == ("held", 2)
    assert run(hold, env) == held  # the same key again: the same booking, nothing more held
    env["REFERENCE"] = held["reference"]
    assert run(confirm, env)["status"] == "confirmed"

    assert [b["reference"] for b in run(upcoming, env)["items"]] == [held["reference"]]
    date.refresh_from_db()
    assert date.seats_taken == 2
