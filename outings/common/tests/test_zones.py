import pytest

from outings.common.zones import UTC, known_zone, zone_or_utc


def test_a_zone_name_gives_its_zone() -> None:
    assert str(known_zone("America/Toronto")) == "America/Toronto"
    assert str(zone_or_utc("Europe/Madrid")) == "Europe/Madrid"


@pytest.mark.parametrize(
    "name",
    ["", "America", "Europe", "x" * 300, "../etc/passwd", "/etc/localtime", "Mars/Olympus"],
)
def test_a_name_that_is_no_zone_gives_none_or_utc_and_never_raises(name: str) -> None:
    assert known_zone(name) is None
    assert zone_or_utc(name) is UTC
