"""Review (session 22) of the schedules page: a rule's removal from a page opened before the
rule changed. Each test failed on the code it was written against, but the control."""

import re
from datetime import date, time

import pytest
from django.utils import timezone

from outings.scheduling import services as scheduling
from outings.scheduling.models import Schedule
from outings.scheduling.rules import ScheduleData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def _weekly(start: time) -> ScheduleData:
    return ScheduleData(
        kind="weekly",
        weekdays=[0],
        start_times=[start],
        valid_from=date(2031, 2, 3),
        valid_until=date(2031, 3, 3),
        capacity=5,
    )


@pytest.fixture
def rule(host, listing):
    return scheduling.create_schedule(
        host=host, listing_id=listing.pk, data=_weekly(time(10)), now=timezone.now()
    )


def _held_delete(client, listing, rule):
    """The rule's delete form as the schedules page shows it: what a tab holds."""
    page = client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()
    forms = re.findall(rf'<form[^>]*/schedules/{rule.pk}/".*?</form>', page, re.S)
    form = next(form for form in forms if 'value="delete"' in form)
    return {
        "action": "delete",
        **dict(re.findall(r'type="hidden" name="(version)" value="(\d+)"', form)),
    }


def test_a_rule_changed_since_the_page_was_opened_is_not_removed(host_client, host, listing, rule):
    """The page is opened; a script moves the rule to 14:00 through the API; the host, who saw
    the 10:00 rule, removes it: it went, whatever it had become, where the API's DELETE with
    If-Match refuses it (412). Now the page answers 409 with the rule as it is, and keeps it."""
    held = _held_delete(host_client, listing, rule)
    scheduling.update_schedule(
        host=host,
        listing_id=listing.pk,
        schedule_id=rule.pk,
        data=_weekly(time(14)),
        now=timezone.now(),
        expected_version=rule.version,
    )

    response = host_client.post(f"/host/listings/{listing.pk}/schedules/{rule.pk}/", held)

    assert response.status_code == 409
    assert "It was not removed" in response.content.decode()
    assert Schedule.objects.get(pk=rule.pk).start_times == [time(14)]


def test_a_removal_without_the_rules_version_removes_nothing(host_client, listing, rule):
    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/{rule.pk}/", {"action": "delete"}
    )

    assert response.status_code == 409
    assert Schedule.objects.filter(pk=rule.pk).exists()


def test_a_removal_from_a_current_page_goes_through(host_client, listing, rule):
    held = _held_delete(host_client, listing, rule)

    response = host_client.post(f"/host/listings/{listing.pk}/schedules/{rule.pk}/", held)

    assert response.status_code == 302
    assert not Schedule.objects.filter(pk=rule.pk).exists()


def test_the_refused_removal_reads_in_german(host_client, listing, rule):
    host_client.cookies["django_language"] = "de"

    response = host_client.post(
        f"/host/listings/{listing.pk}/schedules/{rule.pk}/", {"action": "delete", "version": "0"}
    )

    assert response.status_code == 409
    assert "nicht entfernt" in response.content.decode()
