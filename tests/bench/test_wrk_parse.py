"""wrk's --latency report, as wrk 4.1 (Debian) prints it, read into figures."""

import pytest

from bench.measure import BenchError
from bench.wrk import parse

HEALTHY = """\
Running 5s test @ http://127.0.0.1:41235/bench/hello
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.61ms  810.15us  21.34ms   91.20%
    Req/Sec     4.43k   210.50     4.71k    82.00%
  Latency Distribution
     50%    3.48ms
     75%    3.77ms
     90%    4.19ms
     99%  850.00us
  22071 requests in 5.00s, 7.32MB read
Requests/sec:   4413.54
Transfer/sec:      1.46MB
"""

# Seconds (which wrk pads with a trailing blank, written | here), socket errors and non-2xx
# answers: a server in trouble.
TROUBLED = """\
Running 2s test @ http://127.0.0.1:60979/nope
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.55s   401.94ms   1.98s    66.67%
    Req/Sec    12.33      9.18    30.00     77.78%
  Latency Distribution
     50%    1.70s|
     75%    1.86s|
     90%    1.97s|
     99%    1.98s|
  15 requests in 2.01s, 3.57KB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 15
Requests/sec:      7.46
Transfer/sec:      1.78KB
""".replace("|", " ")


def test_it_reads_throughput_and_percentiles_in_milliseconds():
    report = parse(HEALTHY)

    assert report.requests_per_second == 4413.54
    assert report.requests == 22071
    assert report.duration_s == 5.0
    assert report.p50_ms == 3.48
    assert report.p99_ms == pytest.approx(0.85)
    assert report.socket_errors == 0
    assert report.non_2xx == 0


def test_it_converts_seconds_and_counts_errors_and_non_2xx_answers():
    report = parse(TROUBLED)

    assert report.p50_ms == pytest.approx(1700.0)
    assert report.p99_ms == pytest.approx(1980.0)
    assert report.read_errors == 3
    assert report.timeouts == 7
    assert report.socket_errors == 10
    assert report.non_2xx == 15


def test_it_refuses_a_report_without_the_latency_distribution():
    without_latency = "\n".join(
        line for line in HEALTHY.splitlines() if "%" not in line or "Stdev" in line
    )

    with pytest.raises(BenchError, match="--latency"):
        parse(without_latency)
