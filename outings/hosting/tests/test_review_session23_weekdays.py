"""Review (session 23) of the schedules page's "Add a schedule": a weekly rule with no day
ticked was refused with the API's words, "Choose at least one day of the week (0 is Monday).",
on a form whose days are boxes named Monday to Sunday. Each test failed on the code it was
written against, but the control."""

import pytest
from django.utils import translation

from outings.scheduling.models import Schedule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

WEEKLY = {"kind": "weekly", "start_times": "10:00", "valid_from": "2031-02-03", "capacity": "5"}


def test_a_weekly_schedule_without_a_day_names_the_days_as_the_form_does(host_client, listing):
    response = host_client.post(f"/host/listings/{listing.pk}/schedules/", WEEKLY)

    assert response.status_code == 400
    assert response.context["form"].errors["weekdays"] == ["Tick at least one day of the week."]
    assert not Schedule.objects.exists()


def test_it_reads_in_german(host_client, listing):
    host_client.cookies["django_language"] = "de"
    with translation.override("de"):
        response = host_client.post(f"/host/listings/{listing.pk}/schedules/", WEEKLY)

    assert "Kreuze mindestens einen Wochentag an." in response.content.decode()


def test_a_one_off_date_needs_no_day_ticked(host_client, listing):
    once = {**WEEKLY, "kind": "once"}

    response = host_client.post(f"/host/listings/{listing.pk}/schedules/", once)

    assert response.status_code == 302
    assert Schedule.objects.get().kind == Schedule.Kind.ONCE
