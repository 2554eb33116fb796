"""Writes to schedules and slots.

Wall-clock rules are expanded in the listing's IANA zone. A local time that does not exist (the
hour skipped when clocks go forward) produces no slot, and a one-off date at such a time is
refused; a local time that exists twice (the hour repeated when clocks go back) is resolved to
its *first* occurrence (fold=0, the earlier instant).
One listing runs one group at a time in real time too: on the night clocks go forward, a start
that would begin before the previous group of its schedule ends produces no slot
(`one_group_at_a_time`), like a start in the skipped hour, and so does one whose group would be
out with another rule's (`sync._clear_of_other_groups`).

By topic: expanding rules into instants and slots (`expansion.py`); bringing a schedule's slots
in line with it (`sync.py`); the host's rules, one-off dates and exceptions, and their checks
(`schedules.py`); a listing's new duration or time zone carried over to its dates
(`listing_change.py`); a date's capacity (`capacity.py`); staff's correction of a date's times
and deletion of a date (`corrections.py`).
"""

from outings.scheduling.services.capacity import (
    change_slot_capacity,
    follows_no_rule,
    smallest_capacity,
)
from outings.scheduling.services.corrections import delete_slot_as_staff, times_corrected
from outings.scheduling.services.expansion import (
    desired_starts,
    local_instant,
    one_group_at_a_time,
    slots_for_schedule,
)
from outings.scheduling.services.listing_change import follow_listing_change
from outings.scheduling.services.schedules import (
    add_schedule_exception,
    create_schedule,
    delete_schedule,
    delete_schedule_as_staff,
    gone_by,
    remove_schedule_exception,
    update_schedule,
)
from outings.scheduling.services.sync import (
    SyncResult,
    lock_listing,
    materialize_schedules,
    retire,
    sync_schedule_slots,
)

__all__ = [
    "SyncResult",
    "add_schedule_exception",
    "change_slot_capacity",
    "create_schedule",
    "delete_schedule",
    "delete_schedule_as_staff",
    "delete_slot_as_staff",
    "desired_starts",
    "follow_listing_change",
    "follows_no_rule",
    "gone_by",
    "local_instant",
    "lock_listing",
    "materialize_schedules",
    "one_group_at_a_time",
    "remove_schedule_exception",
    "retire",
    "slots_for_schedule",
    "smallest_capacity",
    "sync_schedule_slots",
    "times_corrected",
    "update_schedule",
]
