"""Benchmarks: scripts that measure the app and print JSON plus a Markdown table."""

REFRESH_RUNS = 40
"""Refreshes timed per probe run, and as many of its floor (without the rate limit), in turns.
A refresh is two requests (~5 ms) whose time varies by 15-30 % from run to run: the medians of
five swung the ratio between them by more than the goal's 10 %; of 25, in turns and at random
pauses, they still differed by up to 10 % in runs where the limit cost nothing (no wait, no
429): a median of 25 such times moves by ~0.2 ms by chance, 4 % of 5 ms. Of 40, ~0.15 ms.
(Here, not in `workload`: the probe runs inside the measured app's process, and importing the
workload's seeding code there added ~3.5 MiB to the app's measured memory.)"""
