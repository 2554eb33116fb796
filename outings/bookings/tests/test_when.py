"""A date as the pages show it (bookings/_when.html): where it happens, then the viewer's own
clock only when it shows another time."""

from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

MOMENT = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)  # 10:00 EDT in Toronto, 16:00 CEST in Berlin


@pytest.mark.parametrize(
    ("viewer", "second"),
    [
        ("Europe/Berlin", "your time: Sat 4 p.m. CEST"),
        ("America/Toronto", None),
        ("America/Detroit", None),  # another zone, the same clock
    ],
)
def test_a_date_adds_the_viewers_time_only_when_their_clock_differs(
    viewer: str, second: str | None
) -> None:
    with translation.override("en"), timezone.override(viewer):
        shown = render_to_string(
            "bookings/_when.html", {"moment": MOMENT, "zone": "America/Toronto"}
        )

    assert "10 a.m. EDT" in shown
    if second is None:
        assert "your time" not in shown
    else:
        assert second in shown
