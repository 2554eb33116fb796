"""Benchmarks (`make bench`): the ceilings later work is compared against, measured in one run.

`python -m bench --list` names the sections; each lives in its own module under bench/sections/.
See docs/benchmarks.md for how to run them and how to read the figures.
"""
