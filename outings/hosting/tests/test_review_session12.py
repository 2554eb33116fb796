"""Review (session 12) of the host's schedules page: each test failed on the code it was written
against, and says what a host sees and why that is wrong."""

from datetime import date, time
from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import HostProfile
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory
from outings.scheduling.models import ScheduleException

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]


def schedules_page(client: Client, host: HostProfile, language: str) -> str:
    listing = ListingFactory.create(host=host, time_zone="Europe/Berlin")
    weekly = ScheduleFactory.create(
        listing=listing,
        weekdays=[0],
        start_times=[time(14, 30)],
        valid_from=date(2031, 1, 6),
        valid_until=date(2031, 3, 31),
    )
    ScheduleFactory.create(
        listing=listing,
        kind="once",
        weekdays=[],
        start_times=[time(9)],
        valid_from=date(2031, 2, 9),
        valid_until=date(2031, 2, 9),
    )
    ScheduleException.objects.create(
        schedule=weekly, day=date(2031, 1, 13), start_time=time(14, 30), action="cancel"
    )
    client.cookies["django_language"] = language
    response = client.get(f"/host/listings/{listing.pk}/schedules/")
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_schedules_read_in_the_german_format(host_client: Client, host: Any) -> None:
    """The dates on the schedules page (0668670) read "So, 9. Februar 2031, 09:00 MEZ", as
    everywhere else, but the schedules above them kept fixed formats: "Einzeltermin: So 9 Feb
    2031", "06 Jan 2031 - 31 Mär 2031" and an exception on "Mo 13 Jan 2031", neither the
    German date ("13. Januar 2031") nor the English one."""
    page = schedules_page(host_client, host, "de")

    assert "Einzeltermin: So, 9. Februar 2031" in page
    assert "6. Januar 2031 – 31. März 2031" in page
    assert "Mo, 13. Januar 2031 14:30" in page
    assert "So 9 Feb 2031" not in page


def test_the_schedules_read_in_the_english_format(host_client: Client, host: Any) -> None:
    """On the English page the days read "Sun 9 Feb 2031" and the start times "14:30" where
    every other date of the site reads "Sun, Feb. 9, 2031" and "2:30 p.m."."""
    page = schedules_page(host_client, host, "en")

    assert "One date: Sun, Feb. 9, 2031" in page
    assert "Starts: 2:30 p.m." in page
    assert "Jan. 6, 2031 – March 31, 2031" in page
    assert "Mon, Jan. 13, 2031 2:30 p.m." in page
