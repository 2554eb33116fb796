"""Review of scheduling (session 20) through the hosting API: bad input is a 4xx, no change."""

import pytest

from outings.api.tests.test_hosting_api import api, create, host, tours
from outings.scheduling.models import Schedule, Slot

__all__ = ["api", "host", "tours"]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tours")]


def test_a_one_off_date_in_the_first_year_of_the_calendar_is_gone_by_not_a_500(api):
    """A listing in Berlin: 00:30 on 1 January of year 1 is in year 0 in UTC, which Python's
    datetime cannot hold (OverflowError). Refused as any date gone by. (A weekly rule from
    then is taken: it makes dates from today.)"""
    listing = create(api)
    rule = {
        "kind": "once",
        "weekdays": [0],
        "start_times": ["00:30"],
        "valid_from": "0001-01-01",
        "capacity": 6,
    }

    response = api.post(
        f"/api/v1/host/listings/{listing['id']}/schedules", rule, content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"] == {
        "body.payload.start_times": ["00:30 on 0001-01-01 has gone by."]
    }
    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()
