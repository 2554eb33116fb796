"""Session 17's review of the outbox relay: the retry schedule's cap and who may retry from the
admin (docs/background-work.md, "The outbox")."""

from django.test import override_settings

from outings.common.outbox import relay


@override_settings(OUTBOX_RETRY_BASE_SECONDS=10, OUTBOX_RETRY_MAX_SECONDS=3600)
def test_no_retry_waits_longer_than_the_cap_jitter_included():
    """OUTBOX_RETRY_MAX_SECONDS is the longest a message waits between two attempts; the jitter
    was added after the cap, so that a message waited up to 72 minutes for a cap of 60."""
    for attempts in [9, 10, 11, 16, 40]:
        delays = [relay.backoff(attempts).total_seconds() for _ in range(200)]

        assert max(delays) <= 3600, (attempts, max(delays))
        assert len(set(delays)) > 1, attempts  # still spread at the cap: no retries in step
