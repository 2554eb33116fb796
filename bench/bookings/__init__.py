"""The bookings bench (issue 7, "Speed"): its database, data, load workers and probes. The section
itself is bench/sections/bookings.py; docs/benchmarks.md says what it measures and why."""
