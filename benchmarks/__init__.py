"""Benchmarks: scripts that measure the app and print JSON plus a Markdown table."""

REFRESH_RUNS = 5
"""Refreshes timed per probe run: each takes ~50 ms, so the median of few swings with noise.
(Here, not in `workload`: the probe runs inside the measured app's process, and importing the
workload's seeding code there added ~3.5 MiB to the app's measured memory.)"""
