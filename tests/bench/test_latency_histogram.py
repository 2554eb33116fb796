"""The psycopg load's latency histogram: 1 % buckets that merge across worker processes."""

from collections import Counter

import pytest

from bench.pgload import bucket_of, percentile


def test_it_finds_percentiles_within_a_bucket_width():
    histogram = Counter(bucket_of(float(us)) for us in range(1, 1001))  # 1 µs .. 1 ms, evenly

    assert percentile(histogram, 0.50) == pytest.approx(500, rel=0.02)
    assert percentile(histogram, 0.99) == pytest.approx(990, rel=0.02)


def test_merging_two_workers_histograms_is_adding_their_counts():
    fast = Counter(bucket_of(100.0) for _ in range(99))
    slow = Counter([bucket_of(10_000.0)])

    merged = fast + slow

    assert percentile(merged, 0.50) == pytest.approx(100, rel=0.01)
    assert percentile(merged, 1.00) == pytest.approx(10_000, rel=0.01)


def test_it_refuses_an_empty_histogram():
    with pytest.raises(ValueError, match="empty"):
        percentile({}, 0.5)
