"""Review (session 23) of the schedules page's "Cancel or move a day" form: a value it could not
read was reported above the page without the field it was about ("Enter a valid time." for a
form with two times, "This field is required."), so the host could not tell what to correct.
Each test failed on the code it was written against, but the control."""

from datetime import date, time

import pytest
from django.utils import timezone, translation

from outings.scheduling import services as scheduling
from outings.scheduling.models import ScheduleException, Slot
from outings.scheduling.rules import ScheduleData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def rule(host, listing):
    return scheduling.create_schedule(
        host=host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[0],
            start_times=[time(10)],
            valid_from=date(2031, 2, 3),
            valid_until=date(2031, 3, 3),
            capacity=5,
        ),
        now=timezone.now(),
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _post(client, listing, rule, **form: str):
    url = f"/host/listings/{listing.pk}/schedules/{rule.pk}/"
    return client.post(url, form, follow=True)


def test_a_new_start_that_is_no_time_is_named(host_client, listing, rule):
    dates = sorted(Slot.objects.values_list("starts_at", flat=True))

    response = _post(
        host_client,
        listing,
        rule,
        day="2031-02-10",
        action="move",
        start_time="10:00",
        new_time="25:00",
    )

    assert _messages(response) == ["New start: Enter a valid time."]
    assert not ScheduleException.objects.exists()
    assert sorted(Slot.objects.values_list("starts_at", flat=True)) == dates


def test_a_missing_day_is_named(host_client, listing, rule):
    response = _post(host_client, listing, rule, day="", action="cancel")

    assert _messages(response) == ["Day: This field is required."]
    assert not ScheduleException.objects.exists()


def test_each_field_at_fault_is_named(host_client, listing, rule):
    response = _post(host_client, listing, rule, day="soon", action="skip", start_time="10")

    assert _messages(response) == [
        "Day: Enter a valid date.",
        "Start: Enter a valid time.",
        "Change: Select a valid choice. skip is not one of the available choices.",
    ]
    assert not ScheduleException.objects.exists()


def test_the_fields_are_named_in_german(host_client, listing, rule):
    host_client.cookies["django_language"] = "de"
    with translation.override("de"):
        response = _post(host_client, listing, rule, day="", action="cancel")

    assert _messages(response) == ["Tag: Dieses Feld ist erforderlich."]


def test_a_good_form_cancels_the_day(host_client, listing, rule):
    response = _post(host_client, listing, rule, day="2031-02-10", action="cancel")

    assert _messages(response) == ["Exception saved."]
    assert ScheduleException.objects.get().day == date(2031, 2, 10)
